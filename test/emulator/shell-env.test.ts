// The emulator's environment for a shell (issue 19): `--env` (ssh-agent style: returns once the
// emulator listens in the background) and `--write-env` (foreground, the lines in a 0600 file),
// eval'd / sourced by real bash and sh, after which the built CLI works against the emulator; the
// banner's lines are shell too; and the quoting survives every byte a path or value can hold.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { shellLines, shellQuote } from "../../src/emulator/main.ts";
import { uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const cli = path.join(root, "dist", "cli.cjs");
const tmp = mkdtempSync(path.join(os.tmpdir(), "aml-shell-env-"));
const started: number[] = [];
after(() => {
  // Whatever a failed test left running in the background.
  for (const pid of started) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** A CA folder whose path a shell must quote: a space, a single quote, a dollar sign. */
function awkwardCaDir(): string {
  const dir = path.join(tmp, `it's a $dir ${uniqueName("ca")}`);
  mkdirSync(dir);
  return dir;
}

/** The environment a user's shell has: this process's, without the test suite's CA settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CLI: cli, ...extra };
  for (const name of [
    "NODE_EXTRA_CA_CERTS",
    "AML_TEST_CA_DIR",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "AZURE_AUTHORITY_HOST",
  ])
    delete env[name];
  return env;
}

function runShell(shell: string, script: string, env: NodeJS.ProcessEnv) {
  const run = spawnSync(shell, ["-c", script], { env, encoding: "utf8", timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

for (const shell of ["bash", "sh"]) {
  test(`${shell}: eval "$(aml-secrets emulator --env)" starts it; the CLI then sets and lists`, () => {
    assert.ok(existsSync(cli), "dist/cli.cjs is missing: npm run build");
    const caDir = awkwardCaDir();
    const name = uniqueName("shell");
    const value = secretValue("shell");
    const script = [
      'eval "$(node "$CLI" emulator --env --ca-dir "$CA_DIR")" || exit 9',
      'echo "pid=$AML_SECRETS_EMULATOR_PID"',
      'echo "url=$AML_SECRETS_VAULT_URL"',
      'echo "ca=$NODE_EXTRA_CA_CERTS"',
      // The value comes from the environment, as the CLI reads it: never on a command line.
      'node "$CLI" set --vault-url "$AML_SECRETS_VAULT_URL" --secrets "$NAME: SHELL_VALUE" || exit 10',
      'node "$CLI" list --vault-url "$AML_SECRETS_VAULT_URL" || exit 11',
      'kill "$AML_SECRETS_EMULATOR_PID"',
    ].join("\n");
    const run = runShell(shell, script, userEnv({ CA_DIR: caDir, NAME: name, SHELL_VALUE: value }));
    const pid = Number(/^pid=(\d+)$/m.exec(run.stdout)?.[1]);
    if (pid) started.push(pid);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^url=https:\/\/127\.0\.0\.1:\d+$/m);
    assert.ok(run.stdout.includes(`ca=${path.join(caDir, "ca.pem")}\n`), run.stdout);
    assert.ok(run.stdout.includes(name), "the listing does not show the secret set");
    assert.match(run.stderr, /running in the background as process \d+; stop it with: kill \d+/);
    assertNoLeaks({ stdout: run.stdout, stderr: run.stderr }, [value], "none");
    recordScenario(
      `shell-env ${shell}`,
      { stdout: run.stdout, stderr: run.stderr },
      [value],
      "none",
    );
  });
}

test("--env prints export lines only, and a start that fails says why and exits non-zero", async () => {
  const caDir = awkwardCaDir();
  const run = spawnSync(process.execPath, [cli, "emulator", "--env", "--ca-dir", caDir], {
    env: userEnv(),
    encoding: "utf8",
  });
  const pid = Number(/^export AML_SECRETS_EMULATOR_PID='(\d+)'$/m.exec(run.stdout)?.[1]);
  if (pid) started.push(pid);
  assert.equal(run.status, 0, run.stderr);
  for (const line of run.stdout.trimEnd().split("\n")) {
    assert.match(line, /^export [A-Z_]+='([^']|'\\'')*'$/);
  }
  assert.ok(pid > 0);
  process.kill(pid, "SIGTERM");

  // The port is taken: the background emulator cannot listen, and the parent says so.
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = String((taken.address() as AddressInfo).port);
  const busy = spawnSync(
    process.execPath,
    [cli, "emulator", "--env", "--ca-dir", caDir, "--port", port],
    {
      env: userEnv(),
      encoding: "utf8",
    },
  );
  taken.close();
  const stray = Number(/^export AML_SECRETS_EMULATOR_PID='(\d+)'$/m.exec(busy.stdout)?.[1]);
  if (stray) started.push(stray);
  assert.notEqual(busy.status, 0);
  assert.equal(busy.stdout, "");
  assert.match(busy.stderr, /^emulator failed: .*EADDRINUSE/);
});

test("--write-env writes the lines (0600) once listening; sh sources them; removed on stop", async () => {
  const caDir = awkwardCaDir();
  const envFile = path.join(tmp, `${uniqueName("env")}.env`);
  const child = spawn(
    process.execPath,
    [cli, "emulator", "--write-env", envFile, "--ca-dir", caDir, "--quiet"],
    { env: userEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  if (child.pid) started.push(child.pid);
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", () => {
        if (out.includes("Press Ctrl+C")) resolve();
      });
      void exited.then(() => reject(new Error("the emulator ended early")));
    });
    // Written before the banner: once the banner is out, the file is there.
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    const run = runShell(
      "sh",
      `. "$ENV_FILE" && node "$CLI" list --vault-url "$AML_SECRETS_VAULT_URL" && echo "pid=$AML_SECRETS_EMULATOR_PID"`,
      userEnv({ ENV_FILE: envFile }),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(`pid=${child.pid}\n`), run.stdout);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.ok(!existsSync(envFile), "the env file outlived the emulator");
  } finally {
    child.kill("SIGKILL");
  }
});

test("the banner's environment lines are shell: sourcing them sets each variable", () => {
  const env = {
    PLAIN: "https://127.0.0.1:1234/msi/token",
    QUOTE: "it's",
    DOLLAR: "$HOME `id` \\n",
    NEWLINE: "a\nb",
  };
  for (const shell of ["bash", "sh"]) {
    const run = runShell(
      shell,
      `${shellLines(env)}printf '%s\\0' "$PLAIN" "$QUOTE" "$DOLLAR" "$NEWLINE"`,
      userEnv(),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split("\0").slice(0, 4), Object.values(env));
  }
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});
