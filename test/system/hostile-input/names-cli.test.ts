// Hostile names through the bundled CLI (dist/cli.cjs) run as a user runs it: exit 2, every
// problem on stderr naming its line, nothing on stdout that a script could take for values,
// not one request.
import assert from "node:assert/strict";
import { test } from "node:test";

import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario } from "../../helpers/leaks.ts";
import { runCli, type CliRun } from "../../platforms/cli/cli-process.ts";
import { assertEachNamed, getModeEntries, mappingText, setScenario } from "./hostile-names.ts";

const emu = emulatorPerFile();

/** The problems the CLI lists (`- …` under its `N problems with the inputs` line), one each. */
function problems(run: CliRun): string[] {
  const lines = run.stderr.split("\n");
  const start = lines.findIndex((line) => / with the inputs; nothing was sent:$/.test(line));
  return start < 0
    ? []
    : lines
        .slice(start + 1)
        .filter((line) => line.startsWith("- "))
        .map((line) => line.slice("- ".length));
}

function connection(): string[] {
  return ["--vault-url", emu().vaultUrl, "--auth", "managed-identity"];
}

void test("set: every hostile name and generate line named on stderr, exit 2, nothing sent", async () => {
  const { id, good, secrets, generate, variables } = setScenario([]);
  const value = variables[good] ?? "";
  const before = emu().requests.length;
  const run = await runCli(
    ["set", ...connection(), "--secrets", secrets.text, "--generate", generate.text],
    { ...emu().env(), [good]: value },
  );
  assert.equal(run.code, 2, run.stderr);
  assert.deepEqual(emu().requests.slice(before), [], "no request of any kind");
  assert.deepEqual(emu().versions(`good-${id}`), []);
  assertEachNamed(problems(run), secrets.lines.slice(1), "--secrets");
  assertEachNamed(problems(run), generate.lines, "--generate");
  const count = secrets.lines.length - 1 + generate.lines.length;
  assert.match(run.stderr, new RegExp(`aml-secrets: ${count} problems with the inputs`));
  assertNoLeaks({ stdout: run.stdout, stderr: run.stderr }, [value], "none");
  recordScenario(
    "cli-hostile-names-set",
    { stdout: run.stdout, stderr: run.stderr },
    [value],
    "none",
  );
});

void test("get --stdout: every hostile name named on stderr, exit 2, no value line on stdout, nothing sent", async () => {
  const secrets = mappingText(getModeEntries(unique()));
  const before = emu().requests.length;
  const run = await runCli(["get", ...connection(), "--stdout", "--secrets", secrets.text], {
    ...emu().env(),
  });
  assert.equal(run.code, 2, run.stderr);
  assert.deepEqual(emu().requests.slice(before), [], "no request of any kind");
  assert.equal(run.stdout, "", "stdout is for values only, and there are none");
  assertEachNamed(problems(run), secrets.lines, "--secrets");
  assert.match(run.stderr, new RegExp(`aml-secrets: ${secrets.lines.length} problems`));
});
