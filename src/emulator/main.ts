/**
 * `aml-secrets emulator`: runs the local Key Vault emulator until SIGINT / SIGTERM and prints
 * the environment lines a process needs to talk to it.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../core/errors.ts";
import { startEmulator } from "./index.ts";
import type { FaultSettings, Workspace } from "./types.ts";

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
  --subscription ID        a subscription that GET /subscriptions lists (repeatable)
  --workspace SUB/RG/NAME/VAULT
                           an Azure ML workspace whose key vault is this emulator (repeatable)
  --quiet                  do not print each request
  -h, --help               show this help
`;

function rate(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new Error(`--${flag} must be a number from 0 to 1, got ${text}`);
  return n;
}

function workspace(text: string): Workspace {
  const [subscriptionId, resourceGroup, name, vaultName, ...rest] = text.split("/");
  if (!subscriptionId || !resourceGroup || !name || rest.length > 0) {
    throw new Error(`--workspace must be SUB/RG/NAME or SUB/RG/NAME/VAULT, got ${text}`);
  }
  return { subscriptionId, resourceGroup, name, vaultName: vaultName || `${name}-kv` };
}

/** Runs the command; resolves with the exit code once the emulator stopped. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
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
        subscription: { type: "string", multiple: true },
        workspace: { type: "string", multiple: true },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e: unknown) {
    process.stderr.write(`${errorMessage(e)}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const faults: Partial<FaultSettings> = {};
  let port: number | undefined;
  let latencyMs: number | undefined;
  let workspaces: Workspace[];
  try {
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0..65535, got ${values.port}`);
    }
    if (values.latency !== undefined) {
      latencyMs = Number(values.latency);
      if (!Number.isFinite(latencyMs) || latencyMs < 0)
        throw new Error(`--latency must be milliseconds, got ${values.latency}`);
    }
    if (values.quota) faults.quota = true;
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
    workspaces = (values.workspace ?? []).map(workspace);
  } catch (e: unknown) {
    process.stderr.write(`${errorMessage(e)}\n`);
    return 2;
  }

  const emu = await startEmulator({
    ...(port !== undefined ? { port } : {}),
    ...(values.data !== undefined ? { dataFile: values.data } : {}),
    ...(values["ca-dir"] !== undefined ? { caDir: values["ca-dir"] } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    faults,
    ...(values.quiet ? {} : { onLog: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  for (const s of values.subscription ?? []) emu.addSubscription(s);
  for (const ws of workspaces) emu.addWorkspace(ws);

  const env = emu.env();
  process.stdout.write(
    [
      "",
      `Key Vault emulator: ${emu.vaultUrl}`,
      `ARM endpoint:       ${emu.armUrl}`,
      `Tenant:             ${emu.tenantId}`,
      ...workspaces.map(
        (w) =>
          `Workspace:          ${w.subscriptionId}/${w.resourceGroup}/${w.name} -> vault ${w.vaultName}`,
      ),
      "",
      "Environment for a process that talks to it (ManagedIdentityCredential, App Service style):",
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      "",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emu.stop();
  return 0;
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
