// The task's pre-job entry point (task.json `prejobexecution`, bundled as dist/prejob.cjs): its
// own file because the agent gives the pre-job run nothing else to tell it from the normal one.
import { runTask } from "./task.ts";

void runTask("pre-job");
