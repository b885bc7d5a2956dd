// Hostile values through the bundled task (dist/task.cjs) as the Azure Pipelines agent runs it:
// stored byte for byte, handed back byte for byte as secret variables, never a command of their own.
import assert from "node:assert/strict";

import { test } from "node:test";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  type TaskRun,
  type TaskRunOptions,
} from "../../helpers/pipelines-agent.ts";
import { pipelinesCommandProblems } from "./command-checks.ts";
import { hostileValues, seedForGet, variableOf, vaultNameOf } from "./hostile-values.ts";

const emulator = emulatorPerFile();

/** The agent machine's managed identity: a connection with no secret of its own to mask. */
function task(
  inputs: Record<string, string>,
  more: Omit<TaskRunOptions, "inputs"> = {},
): TaskRunOptions {
  return {
    endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
    env: emulator().env(),
    ...more,
    inputs: { vaultUrl: emulator().vaultUrl, ...inputs },
  };
}

function describeRun(run: TaskRun): string {
  return `exit ${run.exitCode}, result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
}

function resultRows(run: TaskRun): { name: string; source: string; action: string }[] {
  return JSON.parse(run.variables.result?.value ?? "null") as ReturnType<typeof resultRows>;
}

const multiLine = (value: string): boolean => /[\r\n]/.test(value);

void test("set: every hostile value, secret or plain, is stored byte for byte and injects no command", async () => {
  const id = unique();
  const values = hostileValues();
  const labels = Object.keys(values);
  // Every other value is a plain (not secret) pipeline variable: read through the environment.
  const secretVariables: Record<string, string> = {};
  const variables: Record<string, string> = { "System.Debug": "true" };
  labels.forEach((l, i) => {
    (i % 2 === 0 ? secretVariables : variables)[variableOf(l, id)] = values[l] ?? "";
  });
  const secrets = labels.map((l) => `${vaultNameOf(l, id)}: ${variableOf(l, id)}`).join("\n");
  const run = await runTask(task({ secrets }, { secretVariables, variables }));
  assert.equal(run.result, "Succeeded", describeRun(run));
  assert.equal(run.exitCode, 0);

  for (const label of labels) {
    const stored = emulator().versions(vaultNameOf(label, id));
    assert.equal(stored.length, 1, `${label}: one version`);
    assert.ok(stored[0]?.value === values[label], `${label}: stored byte for byte`);
  }
  assert.deepEqual(
    resultRows(run).map((r) => [r.name, r.action]),
    labels.map((l) => [vaultNameOf(l, id), "created"]),
  );
  assert.equal(run.variables.changed?.value, String(labels.length));

  const allValues = Object.values(values);
  assert.deepEqual(
    pipelinesCommandProblems(run, {
      masked: allValues,
      multilineAllowed: false,
      secretVariables: [],
      result: "Succeeded",
    }),
    [],
  );
  checkTaskLeaks("hostile azure-pipelines set", run, allValues);
});

void test("get: every hostile value arrives byte for byte as a secret variable and injects no command", async () => {
  const id = unique();
  const { values, labels, secrets } = seedForGet(emulator(), id);
  // Multi-line secret variables need the job's consent; with it, every value is handed on.
  const run = await runTask(
    task(
      { mode: "get", secrets },
      { variables: { "System.UnsafeAllowMultilineSecret": "true", "System.Debug": "true" } },
    ),
  );
  assert.equal(run.result, "Succeeded", describeRun(run));

  const names = labels.map((l) => variableOf(l, id));
  for (const label of labels) {
    const variable = run.variables[variableOf(label, id)];
    assert.ok(variable?.value === values[label], `${label}: secret variable byte for byte`);
    assert.deepEqual({ ...variable, value: "" }, { value: "", secret: true, output: false });
  }
  const allValues = Object.values(values);
  assert.deepEqual(
    pipelinesCommandProblems(run, {
      masked: allValues,
      multilineAllowed: true,
      secretVariables: names,
      result: "Succeeded",
    }),
    [],
  );
  checkTaskLeaks("hostile azure-pipelines get", run, allValues);
});

void test("get without multi-line consent: the one-line values arrive, the multi-line ones are refused by name, no command is injected", async () => {
  const id = unique();
  const values = hostileValues();
  const labels = Object.keys(values);
  for (const label of labels) emulator().seed(vaultNameOf(label, id), values[label] ?? "");
  const secrets = labels.map((l) => vaultNameOf(l, id)).join("\n");
  const run = await runTask(task({ mode: "get", secrets }));
  assert.equal(run.result, "Failed", describeRun(run));

  const refused = labels.filter((l) => multiLine(values[l] ?? ""));
  const handed = labels.filter((l) => !multiLine(values[l] ?? ""));
  assert.ok(refused.length >= 3 && handed.length >= 3, "both kinds are tried");
  for (const label of handed) {
    assert.ok(run.variables[variableOf(label, id)]?.value === values[label], `${label} arrives`);
  }
  const errors = run.errors.join("\n");
  for (const label of refused) {
    assert.equal(run.variables[variableOf(label, id)], undefined, `${label} is not set`);
    assert.ok(errors.includes(`variable ${variableOf(label, id)} was not set`), `${label} named`);
  }
  const allValues = Object.values(values);
  assert.deepEqual(
    pipelinesCommandProblems(run, {
      masked: allValues,
      multilineAllowed: false,
      secretVariables: handed.map((l) => variableOf(l, id)),
      result: "Failed",
    }),
    [],
  );
  checkTaskLeaks("hostile azure-pipelines get refused multi-line", run, allValues);
});
