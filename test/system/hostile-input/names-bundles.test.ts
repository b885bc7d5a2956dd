// Hostile names through both bundles, run as their platforms run them: the step fails before
// any request, every problem names its line, and no name turns into a command of its own
// (the names are quoted in error messages, which is where an injection would show).
import assert from "node:assert/strict";

import { describe, test } from "node:test";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { runActionStep, stepTexts, type StepRun } from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario } from "../../helpers/leaks.ts";
import {
  emulatorEndpoint,
  runTask,
  stdoutForLeakCheck,
  type TaskRun,
} from "../../helpers/pipelines-agent.ts";
import { gitHubCommandProblems, pipelinesCommandProblems } from "./command-checks.ts";
import { assertEachNamed, getModeEntries, mappingText, setScenario } from "./hostile-names.ts";

const emulator = emulatorPerFile();

/** Variable names a `variable-prefix` run finds that no pipeline would take. */
const hostileVariableNames = ["a/b", "../x", "a;b", "\u0410PI", "A-B", "A\u200bB"];

/** Every problem of a set scenario is named, and the count in the failure adds up. */
function checkSetProblems(scenario: ReturnType<typeof setScenario>, errors: string[]): void {
  const { prefix, secrets, generate } = scenario;
  assertEachNamed(errors, secrets.lines.slice(1));
  assertEachNamed(errors, generate.lines, "generate");
  for (const name of hostileVariableNames) {
    assert.ok(
      errors.some((e) => e.includes(`variable ${prefix}${name} is not a valid pipeline variable`)),
      `the prefixed variable ${JSON.stringify(name)} is named`,
    );
  }
  const count = secrets.lines.length - 1 + generate.lines.length + hostileVariableNames.length;
  assert.ok(
    errors.some((e) => e.startsWith(`aml-secrets: ${count} problems with the inputs`)),
    `the failure counts ${count} problems`,
  );
}

/**
 * The errors, and each problem of the one failure that lists them (`- …` lines under `N problems
 * with the inputs; nothing was sent:`): every problem is printed once, in that list.
 */
function withProblems(errors: string[]): string[] {
  return errors.flatMap((error) => {
    const [head, ...rest] = error.split("\n- ");
    return head?.endsWith("with the inputs; nothing was sent:") ? [error, ...rest] : [error];
  });
}

describe("GitHub Action", () => {
  function errorsOf(run: StepRun): string[] {
    return withProblems(run.commands.filter((c) => c.command === "error").map((c) => c.data));
  }

  function step(inputs: Record<string, string>, env: Record<string, string> = {}) {
    return {
      with: { "vault-url": emulator().vaultUrl, auth: "managed-identity", ...inputs },
      env: { ...emulator().env(), ...env },
    };
  }

  void test("set: every hostile name, prefixed variable and generate line named, exit 1, nothing sent", async () => {
    const scenario = setScenario(hostileVariableNames);
    const before = emulator().requests.length;
    const run = await runActionStep(
      step(
        {
          secrets: scenario.secrets.text,
          generate: scenario.generate.text,
          "variable-prefix": scenario.prefix,
        },
        scenario.variables,
      ),
    );
    assert.equal(run.exitCode, 1, run.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assert.deepEqual(emulator().versions(`good-${scenario.id}`), []);
    checkSetProblems(scenario, errorsOf(run));
    assert.deepEqual(
      gitHubCommandProblems(run, { masked: scenario.read, alsoAllowed: ["error"] }),
      [],
    );
    assert.deepEqual(run.outputs, { result: "[]", changed: "0" });
    const values = Object.values(scenario.variables);
    assertNoLeaks(stepTexts(run), values, "github");
    recordScenario("hostile names github set", stepTexts(run), values, "github");
  });

  void test("get: every hostile vault and output name named, exit 1, nothing sent, no output but result and changed", async () => {
    const secrets = mappingText(getModeEntries(unique()));
    const before = emulator().requests.length;
    const run = await runActionStep(step({ mode: "get", secrets: secrets.text }));
    assert.equal(run.exitCode, 1, run.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assertEachNamed(errorsOf(run), secrets.lines);
    assert.deepEqual(gitHubCommandProblems(run, { masked: [], alsoAllowed: ["error"] }), []);
    assert.deepEqual(run.outputs, { result: "[]", changed: "0" });
    assert.deepEqual(run.exported, {});
  });
});

describe("Azure Pipelines task", () => {
  function connection() {
    return {
      endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
      env: emulator().env(),
    };
  }

  function leakTexts(run: TaskRun): Record<string, string> {
    return { stdout: stdoutForLeakCheck(run), stderr: run.stderr };
  }

  void test("set: every hostile name, prefixed variable and generate line named, task failed, nothing sent", async () => {
    const scenario = setScenario(hostileVariableNames);
    const before = emulator().requests.length;
    const run = await runTask({
      ...connection(),
      inputs: {
        vaultUrl: emulator().vaultUrl,
        secrets: scenario.secrets.text,
        generate: scenario.generate.text,
        variablePrefix: scenario.prefix,
      },
      // Secret and plain pipeline variables both: names reach the task through both lists.
      secretVariables: Object.fromEntries(Object.entries(scenario.variables).slice(0, 4)),
      variables: { ...Object.fromEntries(Object.entries(scenario.variables).slice(4)) },
    });
    assert.equal(run.result, "Failed", run.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assert.deepEqual(emulator().versions(`good-${scenario.id}`), []);
    checkSetProblems(scenario, withProblems(run.errors));
    assert.deepEqual(
      pipelinesCommandProblems(run, {
        masked: scenario.read,
        multilineAllowed: false,
        secretVariables: [],
        result: "Failed",
      }),
      [],
    );
    assert.equal(run.variables.result?.value, "[]");
    const values = Object.values(scenario.variables);
    assertNoLeaks(leakTexts(run), values, "azure-pipelines");
    recordScenario("hostile names azure-pipelines set", leakTexts(run), values, "azure-pipelines");
  });

  void test("get: every hostile vault and output name named, task failed, nothing sent, no secret variable set", async () => {
    const secrets = mappingText(getModeEntries(unique()));
    const before = emulator().requests.length;
    const run = await runTask({
      ...connection(),
      inputs: { mode: "get", vaultUrl: emulator().vaultUrl, secrets: secrets.text },
    });
    assert.equal(run.result, "Failed", run.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assertEachNamed(withProblems(run.errors), secrets.lines);
    assert.deepEqual(
      pipelinesCommandProblems(run, {
        masked: [],
        multilineAllowed: false,
        secretVariables: [],
        result: "Failed",
      }),
      [],
    );
  });
});
