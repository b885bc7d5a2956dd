import { errorMessage } from "../../core/errors.ts";
import { run } from "../../core/run.ts";
import { cancelOnSignals } from "../signals.ts";
import { PipelinesPlatform } from "./platform.ts";
import { idleReason, readsBeforeJob, type Stage } from "./stage.ts";

/**
 * Runs the core as an Azure Pipelines task, in the run that does the work (stage.ts). The core fails the task itself (`platform.fail`);
 * success is reported here (unless a variable was refused), and anything the core did not expect fails the task too.
 */
export async function runTask(stage: Stage = "main"): Promise<void> {
  const platform = new PipelinesPlatform();
  const idle = idleReason(
    stage,
    readsBeforeJob((name) => platform.getInput(name)),
  );
  if (idle !== undefined) {
    platform.skip(idle);
    return;
  }
  const cancel = cancelOnSignals();
  try {
    const outcome = await run(
      platform,
      { env: process.env, stderr: process.stderr },
      { cancel: cancel.signal },
    );
    if (outcome.status === "ok") platform.succeed();
  } catch (e: unknown) {
    platform.fail(`aml-secrets stopped on an unexpected error: ${errorMessage(e)}`);
  }
  cancel.settle();
}
