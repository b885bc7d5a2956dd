/**
 * The composition root of the core: read and mask, validate, resolve the vault, plan, apply,
 * report. It never throws for bad input or a failed secret: it reports through the platform
 * and says how it went, and the entry point maps that to the platform's result.
 */
import type { SecretClient } from "@azure/keyvault-secrets";
import { applyPlanned, type ApplyRequest } from "./apply.ts";
import { checkEnvironment, type ProcessEnvironment } from "./environment.ts";
import { ValidationError, VaultError, errorMessage } from "./errors.ts";
import { readSecrets, type GetEntry } from "./get.ts";
import { planSet, type PlannedEntry, type SetEntry } from "./plan.ts";
import type { Connection, Platform } from "./platform.ts";
import { Redactor, maskPieces } from "./redact.ts";
import { changedCount, failureMessage, resultJson, rowLines, summaryMarkdown } from "./report.ts";
import { createRequestGate, type RequestGate } from "./requests.ts";
import type { ResultRow } from "./result.ts";
import { failure, inert } from "./service-error.ts";
import { parseSettings, vaultUrlProblem, type Mode, type Settings } from "./settings.ts";
import { readSetEntries } from "./values.ts";
import { createSecretClient } from "./vault-client.ts";
import { resolveWorkspaceVault } from "./workspace.ts";

export interface RunOutcome {
  /** `invalid`: bad input, nothing was sent; `failed`: some secret (or the vault look-up) failed. */
  status: "ok" | "failed" | "invalid";
  rows: ResultRow[];
}

/** Everything the core says goes through here: redacted, whatever the platform does. */
class Reporter {
  readonly redactor = new Redactor();

  constructor(private readonly platform: Platform) {}

  /** Masks a value (whole and each line) with the platform and teaches it to the redactor. */
  remember(value: string): void {
    for (const piece of maskPieces(value)) this.platform.mask(piece);
    this.redactor.add(value);
  }

  /** Redacted first, then made inert (see service-error.ts): a value is found as it was. */
  text(line: string): string {
    return inert(this.redactor.redact(line));
  }

  info(line: string): void {
    this.platform.info(this.text(line));
  }

  debug(line: string): void {
    this.platform.debug(this.text(line));
  }

  warning(line: string): void {
    this.platform.warning(this.text(line));
  }

  error(line: string): void {
    this.platform.error(this.text(line));
  }

  /**
   * A row with its free text (error, note) redacted. Names, sources, actions, versions and ids
   * are written exactly: none can hold a value (names are validated, actions come from a fixed
   * set, versions and ids are the service's), and a redacted one would be a name that does not
   * exist. Redaction comes first, every escaping (JSON, markdown, log lines) after it.
   */
  private row(row: ResultRow): ResultRow {
    const safe = { ...row };
    // One line each: a service's message keeps no line break of its own.
    const line = (text: string): string => this.text(text).replaceAll("\n", " ");
    if (row.error !== undefined) safe.error = line(row.error);
    if (row.note !== undefined) safe.note = line(row.note);
    return safe;
  }

  /** Rows, outputs and summary; one failure at the end when anything failed. */
  async finish(title: string, rows: ResultRow[], extraFailure?: string): Promise<void> {
    const safe = rows.map((r) => this.row(r));
    for (const line of rowLines(safe)) this.platform.info(line);
    this.platform.setOutput("result", resultJson(safe), { secret: false });
    this.platform.setOutput("changed", String(changedCount(safe)), { secret: false });
    try {
      await this.platform.writeSummary(summaryMarkdown(title, safe));
    } catch (e: unknown) {
      this.warning(`could not write the job summary: ${errorMessage(e)}`);
    }
    const extra = extraFailure === undefined ? undefined : this.text(extraFailure);
    const message = [extra, failureMessage(safe)].filter((m) => m !== undefined).join("\n");
    if (message !== "") this.platform.fail(message);
  }
}

/** What a refused vault request should check besides the credential: the role the mode needs. */
const vaultRoles: Record<Mode, string> = {
  set: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list, set and recover)`,
  get: `the identity needs the "Key Vault Secrets User" role on the vault (or an access policy with secret get and list)`,
  list: `the identity needs the "Key Vault Reader" role on the vault (names and attributes, no values) or "Key Vault Secrets User" (or an access policy with secret list)`,
  delete: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list and delete)`,
};

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
  const connection = connect(platform, reporter, problems);
  // Only now: in set mode nothing may be printed before every value is masked.
  for (const warning of checked.warnings) reporter.warning(warning);
  if (problems.length > 0 || !connection) {
    for (const problem of problems) reporter.error(problem);
    platform.setOutput("result", "[]", { secret: false });
    platform.setOutput("changed", "0", { secret: false });
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
    client = createSecretClient(vaultUrl, connection.credential);
    reporter.info(`vault ${vaultUrl} (${connection.describe})`);
  } catch (e: unknown) {
    const message =
      e instanceof ValidationError ? e.message : failure(connection, "finding the vault", e);
    await reporter.finish("aml-secrets", [], `aml-secrets: ${message}`);
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
  const rows = settings.mode === "get" ? await runGet(job) : await runSet(job, entries);
  const title = `aml-secrets ${settings.mode}${settings.mode === "set" && settings.dryRun ? " (dry run)" : ""}`;
  await reporter.finish(title, rows);
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
  // What ARM says is checked as the input would be: https, the vault's address and nothing else.
  const problem = vaultUrlProblem(url, `the vault URI of workspace ${workspace.name} (from ARM)`);
  if (problem) throw new VaultError(problem);
  return url;
}

/** What set and get mode work with, once the inputs are valid and the vault is found. */
interface Job {
  platform: Platform;
  reporter: Reporter;
  settings: Settings;
  client: SecretClient;
  gate: RequestGate;
  /** What a refused request should check: the credential, and the role the mode needs. */
  hint: string;
}

async function runSet(
  { platform, settings, client, gate, hint }: Job,
  entries: SetEntry[],
): Promise<ResultRow[]> {
  const plans = await planSet({
    client,
    gate,
    entries,
    overwrite: settings.overwrite,
    recoverDeleted: settings.recoverDeleted,
    listDeleted: settings.dryRun,
    hint,
    label: settings.label,
  });
  if (settings.dryRun) return (await Promise.all(plans)).map(plannedRow);
  const request: ApplyRequest = {
    client,
    gate,
    hint,
    label: settings.label,
    options: {
      recoverDeleted: settings.recoverDeleted,
      disablePreviousVersions: settings.disablePreviousVersions,
      ...(settings.contentType !== undefined ? { contentType: settings.contentType } : {}),
      ...(settings.tags !== undefined ? { tags: settings.tags } : {}),
      ...(settings.expiresInMs !== undefined ? { expiresInMs: settings.expiresInMs } : {}),
      ...(settings.notBeforeInMs !== undefined ? { notBeforeInMs: settings.notBeforeInMs } : {}),
    },
  };
  // Each entry is written as soon as it is planned, while the others' reads go on.
  return Promise.all(
    plans.map(async (plan) => {
      const planned = await plan;
      const row = await applyPlanned(request, planned);
      // A generated value goes to later steps only once the vault holds it.
      const { outputName, value } = planned.entry;
      const written =
        row.action === "created" || row.action === "updated" || row.action === "recovered";
      if (!outputName || !written) return row;
      return handOn(row, () => platform.setOutput(outputName, value, { secret: true }));
    }),
  );
}

function plannedRow(planned: PlannedEntry): ResultRow {
  const row: ResultRow = {
    name: planned.entry.vaultName,
    source: planned.entry.source,
    action: planned.action,
  };
  if (planned.version) row.version = planned.version;
  if (planned.id) row.id = planned.id;
  if (planned.error) row.error = planned.error;
  return row;
}

async function runGet({
  platform,
  reporter,
  settings,
  client,
  gate,
  hint,
}: Job): Promise<ResultRow[]> {
  const entries: GetEntry[] = settings.getEntries.map((e) =>
    "wildcard" in e ? { wildcard: true } : { vaultName: e.vaultName, outputName: e.pipelineName },
  );
  const read = await readSecrets({
    client,
    gate,
    entries,
    received: (v) => reporter.remember(v),
    hint,
  });
  const values = new Map(read.values.map((v) => [v.outputName, v.value]));
  return read.rows.map((row) => {
    const value = row.action === "read" ? values.get(row.source) : undefined;
    if (value === undefined) return row;
    return handOn(row, () => {
      platform.setOutput(row.source, value, { secret: true });
      if (settings.exportEnv) platform.exportVariable(row.source, value);
    });
  });
}

/**
 * Hands a value to later steps; when the platform refuses it (Azure Pipelines and a multi-line
 * secret variable), that secret fails with the platform's reason and the others go on.
 */
function handOn(row: ResultRow, setOutput: () => void): ResultRow {
  try {
    setOutput();
    return row;
  } catch (e: unknown) {
    return { ...row, action: "failed", error: errorMessage(e) };
  }
}
