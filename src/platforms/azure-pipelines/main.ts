// The task's entry point (task.json `execution`, bundled as dist/task.cjs). The pre-job run
// (`prejobexecution`) starts dist/prejob.cjs, which sets AML_SECRETS_TASK_RUN and loads this
// bundle: the agent gives the two runs nothing else to tell them apart (scripts/build.mjs).
import { runTask } from "./task.ts";

declare global {
  var AML_SECRETS_TASK_RUN: string | undefined;
}

void runTask(globalThis.AML_SECRETS_TASK_RUN === "pre-job" ? "pre-job" : undefined);
