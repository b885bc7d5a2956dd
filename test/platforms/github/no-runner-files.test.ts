// Outside a runner (no GITHUB_OUTPUT / GITHUB_ENV) the toolkit falls back to printing
// `::set-output` / `::set-env` commands with the value on stdout: in clear on a terminal. The
// bundled action fails that entry instead, naming the missing file; `result` and `changed`
// (never a value) still take the fallback.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { emulatorPerFile, emulatorSecretClient, unique } from "../../helpers/emulator.ts";
import {
  describeRun,
  runActionStep,
  stepTexts,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

const emulator = emulatorPerFile();

interface Row {
  name: string;
  action: string;
  error?: string;
}

/** The `result` output, from whichever way it went: the file, or the fallback command. */
function resultRows(run: StepRun): Row[] {
  const command = run.commands.find(
    (c) => c.command === "set-output" && c.properties["name"] === "result",
  );
  const text = run.outputs["result"] ?? command?.data;
  assert.ok(text !== undefined, `no result; ${describeRun(run)}`);
  return JSON.parse(text) as Row[];
}

async function seeded(): Promise<{ name: string; value: string }> {
  const name = `nofile-${unique()}`;
  const value = secretValue("nofile");
  await (await emulatorSecretClient(emulator())).setSecret(name, value);
  return { name, value };
}

function getStep(secrets: string, env: Record<string, string>) {
  return {
    with: {
      "vault-url": emulator().vaultUrl,
      auth: "managed-identity",
      mode: "get",
      secrets,
      "export-env": "true",
    },
    env: { ...emulator().env(), ...env },
  };
}

describe("no runner files", () => {
  void test("without GITHUB_OUTPUT a value is not printed: its entry fails naming GITHUB_OUTPUT", async () => {
    const { name, value } = await seeded();
    const run = await runActionStep(getStep(name, { GITHUB_OUTPUT: "" }));
    assert.equal(run.exitCode, 1, describeRun(run));
    const [row] = resultRows(run);
    assert.equal(row?.action, "failed");
    assert.match(row.error ?? "", /GITHUB_OUTPUT is not set/);
    assert.deepEqual(
      run.commands.filter((c) => c.command === "set-output").map((c) => c.properties["name"]),
      ["vault-url", "result", "changed"],
    );
    assert.deepEqual(
      run.commands.filter((c) => c.command === "set-env"),
      [],
    );
    assertNoLeaks(stepTexts(run), [value], "github");
    recordScenario("github no GITHUB_OUTPUT", stepTexts(run), [value], "github");
  });

  void test("without GITHUB_ENV, export-env fails the entry naming GITHUB_ENV and prints no set-env", async () => {
    const { name, value } = await seeded();
    const run = await runActionStep(getStep(name, { GITHUB_ENV: "" }));
    assert.equal(run.exitCode, 1, describeRun(run));
    const [row] = resultRows(run);
    assert.equal(row?.action, "failed");
    assert.match(row.error ?? "", /GITHUB_ENV is not set/);
    assert.deepEqual(
      run.commands.filter((c) => c.command === "set-env"),
      [],
    );
    const logs = stepTexts(run);
    delete logs["GITHUB_OUTPUT"];
    assertNoLeaks(logs, [value], "github");
    recordScenario("github no GITHUB_ENV", logs, [value], "github");
  });
});
