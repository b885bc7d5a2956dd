/**
 * The composition root of the core: read and mask, validate, connect and resolve the vault,
 * then hand a `Job` to the mode (set.ts, get-mode.ts, list.ts, delete.ts), and report. It never
 * throws for bad input or a failed secret: it reports through the platform and says how it
 * went, and the entry point maps that to the platform's result.
 */
import type { SecretClient } from "@azure/keyvault-secrets";
import { runDelete } from "./delete.ts";
import { checkEnvironment, type ProcessEnvironment } from "./environment.ts";
import { ValidationError, VaultError, errorMessage } from "./errors.ts";
import { runGet } from "./get-mode.ts";
import { Reporter, type Job } from "./job.ts";
import { runList } from "./list.ts";
import { outFileProblem } from "./out-file.ts";
import type { SetEntry } from "./plan.ts";
import type { Connection, Platform } from "./platform.ts";
import { createRequestGate } from "./requests.ts";
import type { ResultRow } from "./result.ts";
import { failure } from "./service-error.ts";
import { parseSettings, vaultUrlProblem, type Mode, type Settings } from "./settings.ts";
import { runSet } from "./set.ts";
import { readSetEntries } from "./values.ts";
import { createSecretClient } from "./vault-client.ts";
import { resolveWorkspaceVault } from "./workspace.ts";

export interface RunOutcome {
  /** `invalid`: bad input, nothing was sent; `failed`: some secret (or the vault look-up) failed. */
  status: "ok" | "failed" | "invalid";
  rows: ResultRow[];
}

/** What a refused vault request should check besides the credential: the role the mode needs. */
const vaultRoles: Record<Mode, string> = {
  set: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list, set and recover, and delete with prune)`,
  get: `the identity needs the "Key Vault Secrets User" role on the vault (or an access policy with secret get and list)`,
  list: `the identity needs the "Key Vault Reader" role on the vault (names and attributes, no values) or "Key Vault Secrets User" (or an access policy with secret list)`,
  delete: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list and delete)`,
};

/** One function per mode; set mode also takes the entries read (and masked) before any request. */
function modeOf(mode: Mode, entries: SetEntry[]): (job: Job) => Promise<ResultRow[]> {
  const modes: Record<Mode, (job: Job) => Promise<ResultRow[]>> = {
    set: (job) => runSet(job, entries),
    get: runGet,
    list: runList,
    delete: runDelete,
  };
  return modes[mode];
}

/**
 * Runs the step. `environment` is the process's (the entry points pass it): what in it would
 * switch off a promise is refused or neutralised before any request (see environment.ts).
 */
export async function run(
  platform: Platform,
  environment?: ProcessEnvironment,
): Promise<RunOutcome> {
  const reporter = new Reporter(platform);
  const checked = environment ? checkEnvironment(environment) : { problems: [], warnings: [] };
  const { settings, problems } = parseSettings(
    (name) => platform.getInput(name),
    (name) => platform.inputLabel(name),
  );
  problems.unshift(...checked.problems);
  let entries: SetEntry[] = [];
  if (settings.mode === "set") {
    const read = readSetEntries({ platform, settings, remember: (v) => reporter.remember(v) });
    entries = read.entries;
    problems.push(...read.problems);
  }
  if (settings.mode === "get" && settings.outFile !== undefined) {
    const problem = outFileProblem(settings.outFile, platform, settings.label);
    if (problem !== undefined) problems.push(problem);
  }
  const connection = connect(platform, reporter, problems);
  // Only now: in set mode nothing may be printed before every value is masked.
  for (const warning of checked.warnings) reporter.warning(warning);
  if (problems.length > 0 || !connection) {
    for (const problem of problems) reporter.error(problem);
    platform.setOutput("result", "[]", { secret: false });
    platform.setOutput("changed", "0", { secret: false });
    if (settings.mode === "list") platform.setOutput("names", "[]", { secret: false });
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
      list: settings.mode === "list",
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
    hint: `${connection.hint}; ${vaultRoles[settings.mode]}`,
  };
  const rows = await modeOf(settings.mode, entries)(job);
  const dryRun = settings.dryRun && (settings.mode === "set" || settings.mode === "delete");
  const title = `aml-secrets ${settings.mode}${dryRun ? " (dry run)" : ""}`;
  await reporter.finish(title, rows, { list: settings.mode === "list" });
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
