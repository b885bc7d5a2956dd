// The action's entry point (action.yml `runs.main`, bundled as dist/action.cjs).
import { setFailed } from "@actions/core";
import { errorMessage } from "../../core/errors.ts";
import { run } from "../../core/run.ts";
import { cancelOnSignals } from "../signals.ts";
import { GitHubPlatform } from "./platform.ts";

const cancel = cancelOnSignals();
// The core reports its own failures; this catch is for a bug that escapes it.
void run(
  new GitHubPlatform(),
  { env: process.env, stderr: process.stderr },
  { cancel: cancel.signal },
)
  .catch((e: unknown) => setFailed(`aml-secrets failed: ${errorMessage(e)}`))
  .finally(() => cancel.settle());
