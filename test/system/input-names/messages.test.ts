// Input errors that lead somewhere, through the three bundles: each problem printed once, a
// mistyped mode or flag answered with the word meant, a comma-separated `secrets` line told where
// entries go, counts in the singular when there is one.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { emulatorPerFile, unique, uniqueName } from "../../helpers/emulator.ts";
import { describeRun, errorsOf, runActionStep } from "../../helpers/github-runner.ts";
import { emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";

const emulator = emulatorPerFile();

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

test("GitHub: a mistyped mode gets the mode meant, a comma list a hint, each problem once", async () => {
  const run = await runActionStep({
    with: { auth: "managed-identity", mode: "gett", "vault-url": "http://x.vault.azure.net" },
    env: emulator().env(),
  });
  assert.notEqual(run.exitCode, 0, describeRun(run));
  const errors = errorsOf(run);
  assert.match(
    errors,
    /input mode must be one of set, get, list, delete, rotate, not `gett`; did you mean get\?/,
  );
  assert.equal(occurrences(errors, "did you mean get"), 1, errors);
  assert.equal(occurrences(errors, "must use https"), 1, errors);

  const commas = await runActionStep({
    with: { auth: "managed-identity", "vault-url": emulator().vaultUrl, secrets: "A_ONE, A_TWO" },
    env: { ...emulator().env(), A_ONE: "x", A_TWO: "y" },
  });
  assert.match(
    errorsOf(commas),
    /secrets line 1: .*; entries go one per line, not separated by commas/,
  );
  assert.deepEqual(emulator().requests, [], "nothing was sent");
});

test("Azure Pipelines: a mistyped mode gets the mode meant, each problem once", async () => {
  const run = await runTask({
    endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
    env: emulator().env(),
    inputs: { mode: "gett", vaultUrl: "http://x.vault.azure.net" },
  });
  assert.equal(run.result, "Failed", run.stdout);
  const errors = run.errors.join("\n");
  assert.match(errors, /input mode must be one of .*not `gett`; did you mean get\?/);
  assert.equal(occurrences(errors, "did you mean get"), 1, errors);
  assert.equal(occurrences(errors, "vaultUrl http://x.vault.azure.net must use https"), 1, errors);
  assert.deepEqual(emulator().requests, [], "nothing was sent");
});

test("CLI: a mistyped flag or command is one line with the one meant and a pointer to --help", async () => {
  const flag = await runCli(["set", "--vualt-url", "https://x.vault.azure.net"], {});
  assert.equal(flag.code, 2);
  assert.equal(
    flag.stderr,
    "aml-secrets set: unknown option --vualt-url; did you mean --vault-url?\nRun `aml-secrets set --help` for its options.\n",
  );
  const command = await runCli(["lsit"], {});
  assert.equal(command.code, 2);
  assert.equal(
    command.stderr,
    "aml-secrets: unknown command lsit; did you mean list?\nRun `aml-secrets --help` for the commands.\n",
  );
  const elsewhere = await runCli(["set", "--out", "x.env"], {});
  assert.match(
    elsewhere.stderr,
    /^aml-secrets set: unknown option --out: it is an option of get, not set\n/,
  );
});

test("CLI: each problem once; one secret is `1 secret`", async () => {
  const run = await runCli(
    [
      "set",
      "--auth",
      "managed-identity",
      "--vault-url",
      "http://x.vault.azure.net",
      "--secrets",
      "a,b,c",
    ],
    emulator().env(),
  );
  assert.equal(run.code, 2, run.stderr);
  assert.equal(occurrences(run.stderr, "must use https"), 1, run.stderr);
  assert.equal(
    occurrences(run.stderr, "entries go one per line, not separated by commas"),
    1,
    run.stderr,
  );

  const name = `ONE_${unique().toUpperCase()}`;
  const one = await runCli(
    [
      "set",
      "--auth",
      "managed-identity",
      "--vault-url",
      emulator().vaultUrl,
      "--secrets",
      `${uniqueName("one")}: ${name}`,
    ],
    { ...emulator().env(), [name]: "value" },
  );
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^1 secret, 1 changed, 0 failed$/m);
});

test("CLI: a --secrets-file line is named by the file and its own line number", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-secrets-file-"));
  try {
    const file = path.join(dir, "secrets.txt");
    writeFileSync(file, "# the mapping\nGOOD_ONE\nbad name here\n");
    const run = await runCli(
      [
        "plan",
        "--auth",
        "managed-identity",
        "--vault-url",
        emulator().vaultUrl,
        "--secrets",
        "A_FIRST\nA_SECOND",
        "--secrets-file",
        file,
      ],
      { ...emulator().env(), A_FIRST: "x", A_SECOND: "y", GOOD_ONE: "z" },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(`${file} line 3: \`bad name here\``), run.stderr);
    assert.doesNotMatch(run.stderr, /--secrets line/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
