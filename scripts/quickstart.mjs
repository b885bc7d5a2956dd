// `npm start`: the main job on this machine, against the local emulator. Starts the emulator
// (its vault persisted to .emulator/state.json, its CA in .emulator/), runs `aml-secrets set`
// through the built CLI with a few sample secrets from the environment (the emulator's managed
// identity signs in), prints the result table, and stops the emulator. Run it twice: the
// second run finds every secret unchanged and writes nothing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// AML_QUICKSTART_DIR moves the state elsewhere (the test of this script uses a fresh folder).
const stateDir = path.resolve(process.env.AML_QUICKSTART_DIR ?? path.join(root, ".emulator"));
const cli = path.join(root, "dist", "cli.cjs");

if (!existsSync(cli) || !existsSync(path.join(root, "dist", "emulator.cjs"))) {
  console.log("Building dist/ first (npm run build)...");
  const build = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], {
    cwd: root,
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The sample secrets: taken from the environment when set there, else fixed demo values (fixed,
// so a second run has nothing to change). A PEM-like value shows that lines and the final
// newline are kept byte for byte.
const samples = {
  QUICKSTART_DB_PASSWORD: "demo-db-password-2f9c",
  QUICKSTART_STORAGE_KEY: "demo-storage-key-7a41",
  QUICKSTART_API_TOKEN: "demo-api-token-c03e",
  QUICKSTART_TLS_KEY:
    "-----BEGIN PRIVATE KEY-----\ndemo-tls-key-line-1\ndemo-tls-key-line-2\n-----END PRIVATE KEY-----\n",
};
const mapping = [
  "db-password: QUICKSTART_DB_PASSWORD   # vault name: pipeline variable",
  "storage-key: QUICKSTART_STORAGE_KEY",
  "api-token: QUICKSTART_API_TOKEN",
  "tls-key: QUICKSTART_TLS_KEY",
].join("\n");

mkdirSync(stateDir, { recursive: true });
const emulator = spawn(
  process.execPath,
  [cli, "emulator", "--data", path.join(stateDir, "state.json"), "--ca-dir", stateDir],
  { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
);
const started = await emulatorStarted(emulator);
console.log(
  `Key Vault emulator at ${started.vaultUrl} (vault kept in ${path.relative(root, path.join(stateDir, "state.json"))})\n`,
);

const env = { ...process.env, ...started.env };
for (const [name, value] of Object.entries(samples)) env[name] ??= value;
const job = spawn(
  process.execPath,
  [cli, "set", "--vault-url", started.vaultUrl, "--auth", "managed-identity", "--secrets", mapping],
  { cwd: root, env, stdio: "inherit" },
);
const code = await new Promise((resolve) => job.on("exit", (c) => resolve(c ?? 1)));

emulator.kill("SIGTERM");
await new Promise((resolve) => emulator.on("exit", resolve));
const writes = started.log.filter(
  (line) => / secret-write( |$)/.test(line) && / 2\d\d /.test(line),
);
console.log(
  `\nThe emulator saw ${writes.length} secret write${writes.length === 1 ? "" : "s"}. Run npm start again: nothing changes.`,
);
process.exit(code);

/** Waits for the emulator's start-up lines; collects every request line it prints after. */
function emulatorStarted(child) {
  return new Promise((resolve, reject) => {
    const log = [];
    const env = {};
    let vaultUrl;
    let buffered = "";
    let ready = false;
    child.on("exit", (c) => {
      if (!ready) reject(new Error(`the emulator exited (${c}) before it was ready`));
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (ready) log.push(line);
        const url = /^Key Vault emulator:\s+(\S+)/.exec(line);
        if (url) vaultUrl = url[1];
        // The banner's environment lines are POSIX sh: export NAME='value' ('\'' for a quote).
        const pair = /^export ([A-Z_]+)='(.*)'$/.exec(line);
        if (pair) env[pair[1]] = pair[2].replaceAll("'\\''", "'");
        if (!ready && line.startsWith("Press Ctrl+C")) {
          ready = true;
          resolve({ vaultUrl, env, log });
        }
      }
    });
  });
}
