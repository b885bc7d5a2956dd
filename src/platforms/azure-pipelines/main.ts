// The task's entry point (task.json `execution`, bundled as dist/task.cjs).
import { runTask } from "./task.ts";

void runTask();
