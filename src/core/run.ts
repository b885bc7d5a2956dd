/**
 * The composition root of the core: read and mask, validate, connect and resolve the vault,
 * then hand a `Job` to the mode (`modes/<mode>/`), and report. It never
 * throws for bad input or a failed secret: it reports through the platform and says how it
 * went, and the entry point maps that to the platform's result.
 */
import type { SecretClient } from "@azure/keyvault-secrets";
import { ValidationError, VaultError, errorMessage } from "./errors.ts";
import { checkEnvironment, type ProcessEnvironment } from "./inputs/environment.ts";
import { vaultUrlProblem, type Settings } from "./inputs/settings.ts";
import { parseInputs } from "./modes/index.ts";
import type { Job } from "./modes/job.ts";
import type { Connection, Platform } from "./platform.ts";
import { Reporter } from "./report/reporter.ts";
import type { ResultRow } from "./report/result.ts";
import { createSecretClient } from "./vault/client.ts";
import { createRequestGate } from "./vault/gate.ts";
import { failure } from "./vault/service-error.ts";
import { resolveWorkspaceVault } from "./vault/workspace.ts";

export interface RunOutcome {
  /** `invalid`: bad input, nothing was sent; `failed`: some secret (or the vault look-up) failed. */
  status: "ok" | "failed" | "invalid";
  rows: ResultRow[];
}

/**
 * Runs the step. `environment` is the process's (the entry points pass it): what in it would
 * switch off a promise is refused or neutralised before any request (see inputs/environment.ts).
 */
export async function run(
  platform: Platform,
  environment?: ProcessEnvironment,
): Promise<RunOutcome> {
  const reporter = new Reporter(platform);
  const checked = environment ? checkEnvironment(environment) : { problems: [], warnings: [] };
  const inputs = parseInputs(
    (name) => platform.getInput(name),
    (name) => platform.inputLabel(name),
  );
  const { settings, mode } = inputs;
  const problems = [...checked.problems, ...inputs.problems];
  problems.push(...(inputs.run.prepare?.({ platform, reporter }) ?? []));
  const connection = connect(platform, reporter, problems);
  // Only now: in set mode nothing may be printed before every value is masked.
  for (const warning of checked.warnings) reporter.warning(warning);
  if (problems.length > 0 || !connection) {
    for (const problem of problems) reporter.error(problem);
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
  try {
    const vaultUrl = await vaultOf(settings, connection);
    client = createSecretClient(vaultUrl, connection.credential, connection.httpClient);
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

  const job: Job = {
    platform,
    reporter,
    settings,
    client,
    gate,
    connection,
    hint: `${connection.hint}; ${mode.role}`,
  };
  const rows = await inputs.run.run(job);
  const title = `aml-secrets ${settings.mode}${inputs.run.dryRun ? " (dry run)" : ""}`;
  await reporter.finish(title, rows, { list: mode.listing === true });
  return { status: rows.some((r) => r.action === "failed") ? "failed" : "ok", rows };
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
