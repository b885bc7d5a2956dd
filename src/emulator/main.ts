/**
 * `aml-secrets emulator`: runs the local Key Vault emulator until SIGINT / SIGTERM and prints
 * the environment lines a process needs to talk to it.
 */
import { spawn } from "node:child_process";
import { readFileSync, renameSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { writeBeside } from "./ca.ts";
import { errorMessage } from "./http.ts";
import { forbiddenCodes, realisticDelays } from "./faults.ts";
import { startEmulator } from "./index.ts";
import type {
  Emulator,
  EmulatorOptions,
  FaultSettings,
  ForbiddenCode,
  ForbidRule,
  StorageAccountRef,
  Workspace,
} from "./types.ts";

/** The name the printed `az cloud register` line gives the emulator's cloud. */
const cloudName = "AmlSecretsEmulator";

export const usage = `Usage: aml-secrets emulator [options]

A local, Key Vault-compatible HTTPS server (secrets data plane, ARM look-ups, managed identity).

Options:
  --port N                 port on 127.0.0.1 (default: a free one)
  --data FILE              load the vault from FILE and save every change to it
  --ca-dir DIR             folder of the emulator CA (default ~/.aml-secrets/emulator-ca)
  --latency MS             delay every answer by MS milliseconds
  --quota                  enforce Key Vault's budgets (300 secret writes, 4,000 other requests per 10 s)
  --throttle-rate R        answer a fraction R (0..1) of vault requests with 429 Throttled
  --error-rate R           answer a fraction R (0..1) of vault requests with 500 / 503
  --drop-rate R            drop a fraction R (0..1) of vault connections before processing
  --retry-after MODE       always | never | half: whether 429s carry Retry-After (default always)
  --delete-delay MS        a delete completes after MS milliseconds: until then the secret is not
                           under /deletedsecrets (404) and purge / recover / set answer
                           409 ObjectIsBeingDeleted (default 0: at once)
  --recover-delay MS       a recover completes after MS milliseconds: until then GET /secrets/NAME
                           is 404 and writes answer 409 ObjectIsBeingRecovered (default 0)
  --realistic              Key Vault's timings as the Azure SDK's recordings show them:
                           --delete-delay ${realisticDelays.deleteDelayMs} --recover-delay ${realisticDelays.recoverDelayMs} (explicit flags win)
  --serve-retired-api-versions
                           also serve Microsoft.KeyVault/vaults api-versions before 2026-02-01
                           (Key Vault retires them on 2027-02-27; refused by default)
  --subscription ID        a subscription that GET /subscriptions lists (repeatable)
  --workspace SUB/RG/NAME/VAULT
                           an Azure ML workspace whose key vault is this emulator (repeatable)
  --storage-account SUB/RG/NAME
                           a storage account to rotate (repeatable): ARM GET, listKeys and
                           regenerateKey, and a blob endpoint (https://127.0.0.1:PORT/blob/NAME/)
                           that checks SharedKey signatures against its current keys
  --application CLIENT_ID  an Entra application to rotate (repeatable): Microsoft Graph
                           applications with addPassword / removePassword at
                           https://127.0.0.1:PORT/graph, and client-credential tokens for that
                           client id only with one of its live passwords
                           (storage accounts and applications are not saved by --data)
  --forbid CODE[:PATTERN]  answer 403 Forbidden with Key Vault's inner code CODE and its wording:
                           ForbiddenByFirewall, ForbiddenByRbac, ForbiddenByPolicy or AccessDenied
                           (an access-policy vault); every vault request, or only those naming a
                           secret that matches PATTERN (* any characters) (repeatable)
  --env                    start in the background and print only the shell lines that point a
                           process at it, then exit (as ssh-agent -s does), for one step:
                             eval "$(aml-secrets emulator --env)"
                             aml-secrets list --vault-url "$AML_SECRETS_VAULT_URL"
                             kill "$AML_SECRETS_EMULATOR_PID"      # stops it
  --write-env FILE         run in the foreground and, once listening, write the same lines to FILE
                           (mode 0600, replaced whole; removed again when the emulator stops), as
                           gcloud's emulators keep env-init's lines in a file (not "--env-file":
                           Node 20 takes that flag for itself wherever it stands):
                             aml-secrets emulator --write-env .emulator.env &
                             until [ -f .emulator.env ]; do sleep 0.1; done; . ./.emulator.env
  --quiet                  do not print each request
  -h, --help               show this help

The lines are POSIX sh (export NAME='value'): NODE_EXTRA_CA_CERTS, IDENTITY_ENDPOINT,
IDENTITY_HEADER, AZURE_AUTHORITY_HOST (Node's @azure/identity and aml-secrets sign in with the
emulator's managed identity), AML_SECRETS_VAULT_URL, AML_SECRETS_ARM_URL and
AML_SECRETS_EMULATOR_PID. Python's REQUESTS_CA_BUNDLE is not among them: it replaces, rather
than adds to, the CAs every Python program of that shell trusts; it is in the banner instead.
A command that never exits cannot be eval'd, hence --env returns once the server listens.
`;

function rate(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new Error(`--${flag} must be a number from 0 to 1, got ${text}`);
  return n;
}

function milliseconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be milliseconds, got ${text}`);
  return n;
}

function forbidRule(text: string): ForbidRule {
  const colon = text.indexOf(":");
  const code = colon < 0 ? text : text.slice(0, colon);
  const names = colon < 0 ? undefined : text.slice(colon + 1);
  if (!(forbiddenCodes as readonly string[]).includes(code) || names === "") {
    throw new Error(
      `--forbid must be CODE or CODE:PATTERN, CODE one of ${forbiddenCodes.join(", ")}; got ${text}`,
    );
  }
  return { code: code as ForbiddenCode, ...(names !== undefined ? { names } : {}) };
}

function workspace(text: string): Workspace {
  const [subscriptionId, resourceGroup, name, vaultName, ...rest] = text.split("/");
  if (!subscriptionId || !resourceGroup || !name || rest.length > 0) {
    throw new Error(`--workspace must be SUB/RG/NAME or SUB/RG/NAME/VAULT, got ${text}`);
  }
  return { subscriptionId, resourceGroup, name, vaultName: vaultName || `${name}-kv` };
}

function storageAccount(text: string): StorageAccountRef {
  const [subscriptionId, resourceGroup, name, ...rest] = text.split("/");
  if (!subscriptionId || !resourceGroup || !name || rest.length > 0) {
    throw new Error(`--storage-account must be SUB/RG/NAME, got ${text}`);
  }
  if (!/^[a-z0-9]{3,24}$/.test(name)) {
    throw new Error(
      `--storage-account: the name must be 3 to 24 lower-case letters and digits, got ${name}`,
    );
  }
  return { subscriptionId, resourceGroup, name };
}

function application(text: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    throw new Error(`--application must be a client id (a GUID), got ${text}`);
  }
  return text;
}

/** What the command line asks for. */
export interface Command {
  help: boolean;
  options: EmulatorOptions;
  workspaces: Workspace[];
  subscriptions: string[];
  /** `--env`: start in the background, print the shell lines, exit. */
  env: boolean;
  envFile?: string;
}

/** Reads the command line; throws on a flag it does not know or a value it cannot use. */
export function parseCommand(argv: string[]): Command {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      data: { type: "string" },
      "ca-dir": { type: "string" },
      latency: { type: "string" },
      quota: { type: "boolean" },
      "throttle-rate": { type: "string" },
      "error-rate": { type: "string" },
      "drop-rate": { type: "string" },
      "retry-after": { type: "string" },
      "delete-delay": { type: "string" },
      "recover-delay": { type: "string" },
      realistic: { type: "boolean" },
      "serve-retired-api-versions": { type: "boolean" },
      subscription: { type: "string", multiple: true },
      workspace: { type: "string", multiple: true },
      "storage-account": { type: "string", multiple: true },
      application: { type: "string", multiple: true },
      forbid: { type: "string", multiple: true },
      env: { type: "boolean" },
      "write-env": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const faults: Partial<FaultSettings> = {};
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--port must be 0..65535, got ${values.port}`);
  }
  const latencyMs = milliseconds("latency", values.latency);
  if (values.quota) faults.quota = true;
  if (values.realistic) Object.assign(faults, realisticDelays);
  const deleteDelayMs = milliseconds("delete-delay", values["delete-delay"]);
  if (deleteDelayMs !== undefined) faults.deleteDelayMs = deleteDelayMs;
  const recoverDelayMs = milliseconds("recover-delay", values["recover-delay"]);
  if (recoverDelayMs !== undefined) faults.recoverDelayMs = recoverDelayMs;
  const throttleRate = rate("throttle-rate", values["throttle-rate"]);
  if (throttleRate !== undefined) faults.throttleRate = throttleRate;
  const serverErrorRate = rate("error-rate", values["error-rate"]);
  if (serverErrorRate !== undefined) faults.serverErrorRate = serverErrorRate;
  const dropRate = rate("drop-rate", values["drop-rate"]);
  if (dropRate !== undefined) faults.dropRate = dropRate;
  const retryAfter = values["retry-after"];
  if (retryAfter !== undefined) {
    if (retryAfter !== "always" && retryAfter !== "never" && retryAfter !== "half") {
      throw new Error(`--retry-after must be always, never or half, got ${retryAfter}`);
    }
    faults.retryAfter = retryAfter;
  }
  if (values.forbid) faults.forbid = values.forbid.map(forbidRule);
  if (values.env && values["write-env"] !== undefined)
    throw new Error("--env and --write-env do not go together: --env prints the lines itself");
  return {
    help: values.help ?? false,
    options: {
      ...(port !== undefined ? { port } : {}),
      ...(values.data !== undefined ? { dataFile: values.data } : {}),
      ...(values["ca-dir"] !== undefined ? { caDir: values["ca-dir"] } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      faults,
      ...(values["serve-retired-api-versions"] ? { retiredVaultApiVersions: true } : {}),
      storageAccounts: (values["storage-account"] ?? []).map(storageAccount),
      applications: (values.application ?? []).map(application),
      ...(values.quiet || values.env
        ? {}
        : { onLog: (line: string) => process.stdout.write(`${line}\n`) }),
    },
    workspaces: (values.workspace ?? []).map(workspace),
    subscriptions: values.subscription ?? [],
    env: values.env ?? false,
    ...(values["write-env"] !== undefined ? { envFile: values["write-env"] } : {}),
  };
}

/** Set in the background process that `--env` starts: it reports to its parent over IPC. */
const daemonMarker = "AML_SECRETS_EMULATOR_DAEMON";

/** What the `--env` parent and its background emulator say to each other. */
type DaemonMessage = { env: string } | { error: string };

/** Runs the command; resolves with the exit code once the emulator stopped. */
export async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (e: unknown) {
    process.stderr.write(`${errorMessage(e)}\n\n${usage}`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (command.env) return startInBackground(argv);
  const report =
    process.env[daemonMarker] === "1" && process.send ? process.send.bind(process) : undefined;

  // Listening from the start: a Ctrl-C while the CA is being made (synchronous work) is handled
  // once that work is done, so the CA is whole, and the emulator then stops before it serves.
  let stopRequested = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopRequested = true;
    wake?.();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const { options, workspaces, subscriptions } = command;
    let emu: Emulator;
    try {
      emu = await startEmulator(options);
    } catch (e: unknown) {
      report?.({ error: errorMessage(e) } satisfies DaemonMessage);
      throw e;
    }
    if (stopRequested) {
      await emu.stop();
      return 130;
    }
    for (const s of subscriptions) emu.addSubscription(s);
    for (const ws of workspaces) emu.addWorkspace(ws);
    const env = shellLines(emulatorEnv(emu));
    if (command.envFile) writeEnvFile(command.envFile, env);
    if (report) {
      report({ env } satisfies DaemonMessage);
      process.disconnect();
    } else {
      process.stdout.write(
        banner(
          emu,
          workspaces,
          subscriptions.length > 0,
          options.storageAccounts,
          options.applications,
        ),
      );
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (stopRequested) resolve();
    });
    await emu.stop();
    if (command.envFile) removeEnvFile(command.envFile, env);
    return 0;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** The variables `--env` and `--write-env` give a shell. */
export function emulatorEnv(emu: Emulator): Record<string, string> {
  return {
    ...emu.env(),
    AML_SECRETS_VAULT_URL: emu.vaultUrl,
    AML_SECRETS_ARM_URL: emu.armUrl,
    AML_SECRETS_EMULATOR_PID: String(process.pid),
  };
}

/** POSIX sh single quotes: everything literal, a quote written as '\\''. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** `export NAME='value'` lines. */
export function shellLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
    .join("");
}

/** Writes the lines whole under a temporary name, then renames it over FILE (never through a link). */
function writeEnvFile(file: string, text: string): void {
  renameSync(writeBeside(file, text), file);
}

/** Removes FILE if it still holds this emulator's lines (not if someone replaced it since). */
function removeEnvFile(file: string, text: string): void {
  try {
    if (readFileSync(file, "utf8") === text) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

/**
 * `--env`: runs this same command without `--env` as a detached background process (its own
 * process group, so the shell's Ctrl-C does not reach it), waits until it listens, prints its
 * shell lines on stdout and returns, as `ssh-agent -s` does: `eval "$(... --env)"` then works.
 */
async function startInBackground(argv: string[]): Promise<number> {
  const tail = process.argv.slice(process.argv.length - argv.length);
  if (argv.length > process.argv.length - 2 || tail.some((a, i) => a !== argv[i])) {
    process.stderr.write("--env works from the command line only\n");
    return 2;
  }
  // The program and any words before these flags (the CLI's `emulator`), with Node's own flags.
  const program = process.argv.slice(1, process.argv.length - argv.length);
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...program, ...argv.filter((a) => a !== "--env")],
    {
      detached: true,
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env: { ...process.env, [daemonMarker]: "1" },
    },
  );
  const answer = await new Promise<DaemonMessage>((resolve) => {
    child.once("message", (m) => resolve(m as DaemonMessage));
    child.once("error", (e) => resolve({ error: e.message }));
    child.once("exit", (code, signal) =>
      resolve({
        error: `the emulator exited before it listened (${signal ?? `exit code ${code}`})`,
      }),
    );
  });
  child.removeAllListeners();
  if ("error" in answer) {
    child.kill("SIGTERM");
    process.stderr.write(`emulator failed: ${answer.error}\n`);
    return 1;
  }
  child.disconnect();
  child.unref();
  process.stdout.write(answer.env);
  process.stderr.write(
    `aml-secrets emulator: running in the background as process ${child.pid}; stop it with: kill ${child.pid}\n`,
  );
  return 0;
}

const lines = (env: Record<string, string>): string[] => shellLines(env).trimEnd().split("\n");

/** What the emulator prints once it listens: where it is, and what to run to use it. */
export function banner(
  emu: Emulator,
  workspaces: Workspace[],
  hasSubscription: boolean,
  storageAccounts: readonly StorageAccountRef[] = [],
  applications: readonly string[] = [],
): string {
  const node = emu.env();
  const python = emu.pythonEnv();
  const cli = emu.azureCliEnv();
  return [
    "",
    `Key Vault emulator: ${emu.vaultUrl}`,
    `ARM endpoint:       ${emu.armUrl}`,
    `Tenant:             ${emu.tenantId}`,
    ...workspaces.map(
      (w) =>
        `Workspace:          ${w.subscriptionId}/${w.resourceGroup}/${w.name} -> vault ${w.vaultName}`,
    ),
    ...storageAccounts.map(
      (a) =>
        `Storage account:    ${a.subscriptionId}/${a.resourceGroup}/${a.name} -> blob ${emu.blobEndpoint(a.name)}`,
    ),
    ...(applications.length > 0
      ? [
          `Microsoft Graph:    ${emu.graphUrl} (scope https://graph.microsoft.com/.default)`,
          ...applications.map((id) => `Application:        ${id}`),
        ]
      : []),
    "",
    "# Node (@azure/identity ManagedIdentityCredential, aml-secrets):",
    ...lines(node),
    "",
    "# Python (azure-identity ManagedIdentityCredential, azure-keyvault-secrets):",
    ...lines(python),
    "",
    "# Azure CLI (az login --identity: the older App Service protocol, 2017-09-01):",
    ...lines(cli),
    "# then, with AZURE_CONFIG_DIR set to a folder of its own:",
    `  az cloud register -n ${cloudName} --endpoint-resource-manager ${emu.armUrl}`,
    `  az cloud set -n ${cloudName}`,
    `  az login --identity${hasSubscription ? "" : " --allow-no-subscriptions"}`,
    "  az account get-access-token --resource https://vault.azure.net",
    `# (or: az login --service-principal -u ANY-ID -p ANY-SECRET --tenant ${emu.tenantId})`,
    "",
    `# Other SDKs: trust ${emu.caFile} (SSL_CERT_FILE for Go and OpenSSL-based clients,`,
    "# a Java trust store), and use the IDENTITY_* lines above.",
    "",
    "Press Ctrl+C to stop.",
    "",
  ].join("\n");
}

/**
 * True when this file is the process's entry point: `dist/emulator.cjs`, or this source file
 * run by tsx. Not when the CLI bundle includes it (there every module shares one `module`, so
 * `require.main === module` cannot tell).
 */
function isEntryPoint(): boolean {
  const entry = process.argv[1] ?? "";
  return /(^|[\\/])emulator\.cjs$/.test(entry) || /[\\/]src[\\/]emulator[\\/]main\.ts$/.test(entry);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`emulator failed: ${errorMessage(e)}\n`);
      process.exit(1);
    },
  );
}
