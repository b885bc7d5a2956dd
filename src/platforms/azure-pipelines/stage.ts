/**
 * Which of the task's two runs does the work. The agent runs a task whose task.json has a
 * `prejobexecution` section twice in every job (Agent.Worker/JobExtension.cs): a pre-job run
 * before any of the job's steps, then its normal run in its place, both under the step's own
 * condition and with the same environment; only the target file tells them apart (the Node
 * handler passes no arguments). As AzureKeyVault@2 does (task-runner.ts, `runInContext`), the
 * pre-job run reads when `runAsPreJob` is true in get mode, and the normal run does everything
 * else; the other run only says why it has nothing to do.
 */
import type { InputName } from "../../core/platform.ts";

export type Stage = "pre-job" | "main";

/**
 * Whether the pre-job run is the one that reads. Anything but get mode with `runAsPreJob: true`
 * leaves the work, and any complaint about the inputs, to the normal run, which checks them all.
 */
export function readsBeforeJob(input: (name: InputName) => string | undefined): boolean {
  const mode = input("mode")?.trim().toLowerCase() ?? "set";
  return mode === "get" && /^true$/i.test(input("run-as-pre-job")?.trim() ?? "");
}

/** Why this run has nothing to do; undefined when it is the one that works. */
export function idleReason(stage: Stage, preJob: boolean): string | undefined {
  if ((stage === "pre-job") === preJob) return undefined;
  return stage === "pre-job"
    ? "Nothing to do before the job: the task runs in its own step (runAsPreJob is false or the mode is not get)."
    : "The secrets were read before the job's first step (runAsPreJob: true); nothing more to do.";
}
