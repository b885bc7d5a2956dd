/**
 * The composition root of the core: read and mask, validate, connect and resolve the vault,
 * then hand a `Job` to the mode (`modes/<mode>/`), and report. It never
 * throws for bad input or a failed secret: it reports through the platform and says how it
 * went, and the entry point maps that to the platform's result.
 */
import type { SecretClient } from "@azure/keyvault-secrets";
import { CancelledError, ValidationError, VaultError, errorMessage } from "./errors.ts";
import { checkEnvironment, type ProcessEnvironment } from "./inputs/environment.ts";
import { vaultUrlProblem, type Settings } from "./inputs/settings.ts";
import { parseInputs } from "./modes/index.ts";
import type { Job } from "./modes/job.ts";
import type { Connection, Platform } from "./platform.ts";
import { Progress } from "./report/progress.ts";
import type { KnownValues } from "./report/reporter.ts";
import { Reporter } from "./report/reporter.ts";
import type { ResultRow } from "./report/result.ts";
import { createSecretClient } from "./vault/client.ts";
import { createRequestGate } from "./vault/gate.ts";
import { failure } from "./vault/service-error.ts";
import { resolveWorkspaceVault } from "./vault/workspace.ts";

export interface RunOutcome {
  /**
   * `invalid`: bad input, nothing was sent; `failed`: some secret (or the vault look-up) failed;
   * `cancelled`: the signal aborted the run, and what was done so far was reported.
   */
  status: "ok" | "failed" | "invalid" | "cancelled";
  rows: ResultRow[];
}

/**
 * Runs the step. `environment` is the process's (the entry points pass it): what in it would
 * switch off a promise is refused or neutralised before any request (see inputs/environment.ts).
 * `cancel` (the entry point's SIGINT / SIGTERM): no request is sent after it, those in flight
 * get a few seconds, and every entry is reported: done, or skipped as not reached.
 * `options.redactor`: a platform that redacts too (the CLI) hands its own, so that each value is
 * learned and held once in the process. `options.problems`: what the entry point found wrong in
 * its own arguments, listed with the inputs' problems so that the user sees all at once.
 */
export async function run(
  platform: Platform,
  environment?: ProcessEnvironment,
  options: { cancel?: AbortSignal; redactor?: KnownValues; problems?: string[] } = {},
): Promise<RunOutcome> {
  const { cancel } = options;
  const reporter = new Reporter(platform, options.redactor);
  const checked = environment ? checkEnvironment(environment) : { problems: [], warnings: [] };
  const inputs = parseInputs(
    (name) => platform.getInput(name),
    (name) => platform.inputLabel(name),
  );
  const { settings, mode } = inputs;
  const problems = [...checked.problems, ...(options.problems ?? []), ...inputs.problems];
  problems.push(...(inputs.run.prepare?.({ platform, reporter }) ?? []));
  const connection = connect(platform, reporter, problems);
  // Only now: in set mode nothing may be printed before every value is masked.
  for (const warning of checked.warnings) reporter.warning(warning);
  if (problems.length > 0 || !connection) {
    // Once, as the step's failure (GitHub's and the agent's error annotation, the CLI's last
    // lines): an error line per problem besides would show every problem twice.
    platform.setOutput("result", "[]", { secret: false });
    platform.setOutput("changed", "0", { secret: false });
    if (mode.listing) platform.setOutput("names", "[]", { secret: false });
    platform.fail(
      reporter.text(
        `aml-secrets: ${problems.length === 1 ? "a problem" : `${problems.length} problems`} with the inputs; nothing was sent:\n- ${problems.join("\n- ")}`,
      ),
    );
    return { status: "invalid", rows: [] };
  }

  let client: SecretClient;
  let vaultUrl: string;
  try {
    vaultUrl = await vaultOf(settings, connection);
    client = createSecretClient(vaultUrl, connection.credential, connection.httpClient);
    platform.setOutput("vault-url", vaultUrl, { secret: false });
    reporter.info(`vault ${vaultUrl} (${connection.describe})`);
  } catch (e: unknown) {
    const message =
      e instanceof ValidationError ? e.message : failure(connection, "finding the vault", e);
    await reporter.finish("aml-secrets", [], {
      extraFailure: `aml-secrets: ${message}`,
      list: mode.listing === true,
    });
    return { status: "failed", rows: [] };
  }
  const gate = createRequestGate({
    concurrency: settings.maxConcurrency,
    timeoutMs: settings.requestTimeoutMs,
    target: `the vault ${client.vaultUrl}`,
    timeoutInput: settings.label("request-timeout"),
    onRetry: (n) =>
      reporter.debug(
        `retrying a request for ${n.secret} in ${n.delayMs} ms (${n.reason}, attempt ${n.attempt})`,
      ),
  });

  const onCancel = (): void => gate.close();
  cancel?.addEventListener("abort", onCancel, { once: true });
  if (cancel?.aborted) gate.close();
  const progress = new Progress(platform, settings.mode, () => gate.pacing());
  const job: Job = {
    platform,
    reporter,
    settings,
    client,
    gate,
    connection,
    hint: `${connection.hint}; ${mode.role}`,
    progress,
  };
  progress.start();
  let rows = await inputs.run.run(job);
  progress.stop();
  cancel?.removeEventListener("abort", onCancel);
  const cancelled = cancel?.aborted === true;
  if (cancelled) rows = rows.map(notReached);
  const title = `aml-secrets ${settings.mode}${inputs.run.dryRun ? " (dry run)" : ""}${cancelled ? " (cancelled)" : ""}`;
  const skipped = rows.filter((r) => r.note === CancelledError.notReached).length;
  await reporter.finish(title, rows, {
    list: mode.listing === true,
    vault: vaultUrl,
    mode: settings.mode,
    cancelled,
    ...("workspace" in settings.vault ? { workspace: settings.vault.workspace.name } : {}),
    ...(cancelled
      ? {
          extraFailure: `aml-secrets: the step was cancelled (${cancelReason(cancel)}); ${skipped} of ${rows.length} entries were not reached`,
        }
      : {}),
  });
  if (cancelled) return { status: "cancelled", rows };
  return { status: rows.some((r) => r.action === "failed") ? "failed" : "ok", rows };
}

/** An entry whose request was never sent: skipped, not failed (nothing happened to it). */
function notReached(row: ResultRow): ResultRow {
  if (row.action !== "failed" || row.error !== CancelledError.notReached) return row;
  const skipped: ResultRow = { ...row, action: "skipped", note: CancelledError.notReached };
  delete skipped.error;
  return skipped;
}

function cancelReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return typeof reason === "string" ? reason : "aborted";
}

/** The platform's credential; its problems join the others (it makes no request). */
function connect(
  platform: Platform,
  reporter: Reporter,
  problems: string[],
): Connection | undefined {
  try {
    const connection = platform.connect();
    for (const secret of connection.secrets ?? []) reporter.redactor.add(secret);
    return connection;
  } catch (e: unknown) {
    if (e instanceof ValidationError) problems.push(...e.problems);
    else problems.push(`the connection to Azure could not be set up: ${errorMessage(e)}`);
    return undefined;
  }
}

async function vaultOf(settings: Settings, connection: Connection): Promise<string> {
  if ("url" in settings.vault) return settings.vault.url;
  // A bare name is a vault of the connection's cloud.
  if ("name" in settings.vault)
    return `https://${settings.vault.name}${connection.cloud.vaultSuffix}`;
  const { workspace } = settings.vault;
  const url = await resolveWorkspaceVault(workspace, connection, connection.resourceManagerUrl, {
    requestTimeoutMs: settings.requestTimeoutMs,
    timeoutInput: settings.label("request-timeout"),
  });
  // What the workspace path gives is checked as the input would be: https, the address only.
  const problem = vaultUrlProblem(url, `the vault URI of workspace ${workspace.name} (from ARM)`);
  if (problem) throw new VaultError(problem);
  return url;
}
