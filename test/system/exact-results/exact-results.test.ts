// Names, sources, actions, versions and ids are written exactly, whatever the values are: a
// value equal to a secret's name, to part of one, or to an action word must not rewrite the
// `result` that a later step parses. Through the core, the action bundle and the CLI's --json.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCore } from "../../helpers/core-run.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { describeRun, runActionStep } from "../../helpers/github-runner.ts";
import { assertNoLeaks, canary } from "../../helpers/leaks.ts";

const emulator = emulatorPerFile();

interface Row {
  name: string;
  source: string;
  action: string;
  version: string | null;
  id: string | null;
}

/**
 * Values chosen to collide with the fields of the result. Those equal to a name or a word of
 * the contract are printed as that name or word by design (the fields are exact): the leak
 * check searches for the values that carry a canary.
 */
function scenario() {
  const id = unique();
  const ID = id.toUpperCase().replace(/-/g, "_");
  const admin = `admin-password-${id}`;
  const entries = [
    { name: admin, variable: `ADMIN_${ID}`, value: "admin" },
    { name: `other-${id}`, variable: `OTHER_${ID}`, value: admin },
    { name: `words-${id}`, variable: `WORDS_${ID}`, value: "unchanged" },
    {
      name: `multi-${id}`,
      variable: `MULTI_${ID}`,
      value: `created\nupdated\nunchanged\nversion\n${canary()}`,
    },
    { name: `plain-${id}`, variable: `PLAIN_${ID}`, value: `plain-value-${canary()}` },
  ];
  return {
    entries,
    secrets: entries.map((e) => `${e.name}: ${e.variable}`).join("\n"),
    values: Object.fromEntries(entries.map((e) => [e.variable, e.value])),
    // Whole lines: a line equal to an action word is printed as that word by design.
    withCanary: entries.flatMap((e) => e.value.split("\n")).filter((v) => v.includes("cnry")),
  };
}

type Fields = [string, string, string, string | undefined];

/** The rows as the vault now holds them: name, source, action and the latest version. */
function expectedRows(s: ReturnType<typeof scenario>, action: string): Fields[] {
  return s.entries
    .map((e): Fields => [e.name, e.variable, action, emulator().versions(e.name).at(-1)?.version])
    .sort();
}

function fields(rows: Row[]): Fields[] {
  return rows.map((r): Fields => [r.name, r.source, r.action, r.version ?? undefined]).sort();
}

function cliConnection(): string[] {
  return ["--vault-url", emulator().vaultUrl, "--auth", "managed-identity"];
}

test("core: the result equals what was done when values equal names, parts of names and action words", async () => {
  const s = scenario();
  const first = await runCore(
    emulator(),
    "exact-first",
    { secrets: s.secrets },
    s.values,
    s.withCanary,
  );
  assert.equal(first.outcome.status, "ok");
  const result = first.platform.events.find((e) => e.kind === "output" && e.name === "result");
  assert.ok(result?.kind === "output");
  assert.deepEqual(fields(JSON.parse(result.value) as Row[]), expectedRows(s, "created"));
  for (const row of JSON.parse(result.value) as Row[])
    assert.equal(row.id, `${emulator().vaultUrl}/secrets/${row.name}/${row.version}`);

  const again = await runCore(
    emulator(),
    "exact-again",
    { secrets: s.secrets },
    s.values,
    s.withCanary,
  );
  const rerun = again.platform.events.find((e) => e.kind === "output" && e.name === "result");
  assert.ok(rerun?.kind === "output");
  assert.deepEqual(fields(JSON.parse(rerun.value) as Row[]), expectedRows(s, "unchanged"));
});

test("action: the result output parses back to what was done; the summary names every secret", async () => {
  const s = scenario();
  const run = await runActionStep({
    with: { "vault-url": emulator().vaultUrl, auth: "managed-identity", secrets: s.secrets },
    env: { ...emulator().env(), ...s.values },
  });
  assert.equal(run.exitCode, 0, describeRun(run));
  const rows = JSON.parse(run.outputs["result"] ?? "[]") as Row[];
  assert.deepEqual(fields(rows), expectedRows(s, "created"));
  for (const { name } of s.entries) assert.ok(run.summary.includes(name), `summary names ${name}`);
  assertNoLeaks(
    { output: run.files["GITHUB_OUTPUT"] ?? "", summary: run.summary },
    s.withCanary,
    "github",
  );
});

test("CLI: --json and the table carry the exact names and actions", async () => {
  const s = scenario();
  const args = ["set", ...cliConnection(), "--secrets", s.secrets];
  const first = await runCli([...args, "--json"], { ...emulator().env(), ...s.values });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(fields(JSON.parse(first.stdout) as Row[]), expectedRows(s, "created"));
  const table = await runCli(args, { ...emulator().env(), ...s.values });
  assert.equal(table.code, 0, table.stderr);
  for (const { name } of s.entries)
    assert.match(table.stdout, new RegExp(`^${name}\\s+\\S+\\s+unchanged\\b`, "m"));
  assertNoLeaks(
    { json: first.stdout, table: table.stdout, stderr: table.stderr },
    s.withCanary,
    "none",
  );
});
