// Hostile values through the bundled action (dist/action.cjs) as the GitHub runner runs it:
// stored byte for byte, handed back byte for byte in get mode, and never a command of their own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import {
  maskProblems,
  runActionStep,
  stepTexts,
  type StepOptions,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario } from "../../helpers/leaks.ts";
import { gitHubCommandProblems } from "./command-checks.ts";
import { hostileValues, seedForGet, variableOf, vaultNameOf } from "./hostile-values.ts";

const emulator = emulatorPerFile();

function step(inputs: Record<string, string>, env: Record<string, string> = {}): StepOptions {
  return {
    with: { "vault-url": emulator().vaultUrl, auth: "managed-identity", ...inputs },
    env: { ...emulator().env(), ...env },
  };
}

function describeRun(run: StepRun): string {
  const errors = run.commands.filter((c) => c.command === "error").map((c) => c.data);
  return `exit ${run.exitCode}, errors:\n${errors.join("\n")}\nstderr:\n${run.stderr}`;
}

function resultRows(run: StepRun): { name: string; source: string; action: string }[] {
  return JSON.parse(run.outputs["result"] ?? "null") as ReturnType<typeof resultRows>;
}

void test("set: every hostile value is stored byte for byte, masked first, and injects no command", async () => {
  const id = unique();
  const values = hostileValues();
  const labels = Object.keys(values);
  const env = Object.fromEntries(labels.map((l) => [variableOf(l, id), values[l] ?? ""]));
  // Half the lines name both sides, half one (the vault name is then derived).
  const secrets = labels
    .map((l, i) =>
      i % 2 === 0 ? `${vaultNameOf(l, id)}: ${variableOf(l, id)}` : variableOf(l, id),
    )
    .join("\n");
  emulator().clearRequests();
  const run = await runActionStep(step({ secrets }, env));
  assert.equal(run.exitCode, 0, describeRun(run));

  for (const label of labels) {
    const stored = emulator().versions(vaultNameOf(label, id));
    assert.equal(stored.length, 1, `${label}: one version`);
    assert.ok(stored[0]?.value === values[label], `${label}: stored byte for byte`);
  }
  assert.deepEqual(
    resultRows(run).map((r) => [r.name, r.source, r.action]),
    labels.map((l) => [vaultNameOf(l, id), variableOf(l, id), "created"]),
  );
  assert.deepEqual(Object.keys(run.outputs).sort(), ["changed", "result", "vault-url"]);
  assert.equal(run.outputs["changed"], String(labels.length));
  assert.deepEqual(run.exported, {});
  // Every request went to the listing or to one of the secrets named, at its own path.
  const names = new Set(labels.map((l) => vaultNameOf(l, id)));
  for (const r of emulator().requests.filter((r) => r.kind.startsWith("secret-"))) {
    const where = r.secret === undefined ? r.path === "/secrets" : names.has(r.secret);
    assert.ok(where, `a request to ${r.path}`);
  }

  const allValues = Object.values(values);
  assert.deepEqual(gitHubCommandProblems(run, { masked: allValues }), []);
  assert.deepEqual(maskProblems(run, allValues), []);
  const texts = stepTexts(run);
  assertNoLeaks(texts, allValues, "github");
  recordScenario("hostile github set", texts, allValues, "github");
});

void test("get: every hostile value arrives byte for byte in its output and env variable, and injects no command", async () => {
  const id = unique();
  const { values, labels, secrets } = seedForGet(emulator(), id);
  const run = await runActionStep(step({ mode: "get", secrets, "export-env": "true" }));
  assert.equal(run.exitCode, 0, describeRun(run));

  const outputNames = labels.map((l) => variableOf(l, id));
  assert.deepEqual(
    Object.keys(run.outputs).sort(),
    ["changed", "result", "vault-url", ...outputNames].sort(),
  );
  assert.deepEqual(Object.keys(run.exported).sort(), [...outputNames].sort());
  for (const label of labels) {
    const name = variableOf(label, id);
    assert.ok(run.outputs[name] === values[label], `${label}: output byte for byte`);
    assert.ok(run.exported[name] === values[label], `${label}: env variable byte for byte`);
  }
  assert.deepEqual(
    resultRows(run).map((r) => r.action),
    labels.map(() => "read"),
  );

  const allValues = Object.values(values);
  assert.deepEqual(gitHubCommandProblems(run, { masked: allValues }), []);
  // Values are masked as they arrive, after the vault line: not before anything was printed.
  assert.deepEqual(
    maskProblems(run, allValues).filter((p) => !/after line/.test(p)),
    [],
  );
  // The outputs and GITHUB_ENV are where get mode is asked to put the values; nothing else may.
  const texts = stepTexts(run);
  delete texts["GITHUB_OUTPUT"];
  delete texts["GITHUB_ENV"];
  assertNoLeaks(texts, allValues, "github");
  recordScenario("hostile github get", texts, allValues, "github");
});
