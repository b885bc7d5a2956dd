// The task's entry point (task.json `execution`, bundled as dist/task.cjs); prejob.ts is the other.
import { runTask } from "./task.ts";

void runTask();
