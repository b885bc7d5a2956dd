// runAsPreJob (issue 20): the task's two runs in one job, as the agent runs them
// (Agent.Worker/JobExtension.cs): the pre-job run (task.json `prejobexecution`, dist/prejob.cjs)
// before the job's first step, then the normal run (dist/task.cjs) in the step's place. Exactly
// one of them reads, as AzureKeyVault@2 does (task-runner.ts `runInContext`), and a step between
// them already sees the secret variables when the pre-job run read them.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  laterStepVariables,
  preJobBundle,
  runTask,
  type TaskRun,
  type TaskRunOptions,
} from "../../helpers/pipelines-agent.ts";

const emulator = emulatorPerFile();

function connection(
  token: string,
): Pick<TaskRunOptions, "endpoint" | "systemAccessToken" | "variables" | "env"> {
  return {
    endpoint: emulatorEndpoint(emulator(), "WorkloadIdentityFederation"),
    systemAccessToken: token,
    variables: { "System.OidcRequestUri": emulator().pipelinesOidcUrl },
    env: emulator().env(),
  };
}

/** How many requests for the secret `name` the vault has had (a read takes more than one). */
function reads(name: string): number {
  return emulator().requests.filter((r) => r.secret === name && r.method === "GET").length;
}

function describeRun(run: TaskRun): string {
  return `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
}

/** What the task said with its result (`task.complete`'s message). */
function resultMessage(run: TaskRun): string {
  return run.commands.findLast((c) => c.name === "task.complete")?.data ?? "";
}

// A later step of the job: a Node script that fails unless SECRET_<name> holds the value whose
// SHA-256 it is given (so that it never holds or prints the value itself).
const stepDir = mkdtempSync(path.join(os.tmpdir(), "aml-prejob-step-"));
after(() => rmSync(stepDir, { recursive: true, force: true }));
const laterStep = path.join(stepDir, "later-step.cjs");
writeFileSync(
  laterStep,
  `const { createHash } = require("node:crypto");
const seen = process.env.SECRET_APP_KEY;
const ok = seen !== undefined && createHash("sha256").update(seen).digest("hex") === process.env.EXPECTED_SHA256;
console.log("##vso[task.complete result=" + (ok ? "Succeeded" : "Failed") + ";]" + (seen === undefined ? "no SECRET_APP_KEY" : ok ? "matches" : "differs"));
`,
);

describe("runAsPreJob: true", () => {
  void test("the pre-job run reads, a step before the task's own sees the secret, the normal run does not read again", async () => {
    const name = `pre-${unique()}`;
    const value = secretValue("pre-job");
    emulator().seed(name, value);
    const token = secretValue("pre-job-token");
    const job = connection(token);
    const inputs = {
      mode: "get",
      vaultUrl: emulator().vaultUrl,
      secrets: `${name}: APP_KEY`,
      runAsPreJob: "true",
    };

    const preJob = await runTask({ ...job, inputs, bundle: preJobBundle });
    assert.equal(preJob.result, "Succeeded", describeRun(preJob));
    assert.deepEqual(preJob.variables.APP_KEY, { value, secret: true, output: false });
    const readsBefore = reads(name);
    assert.ok(readsBefore > 0);
    checkTaskLeaks("azure-pipelines pre-job get", preJob, [value, token]);

    const after = laterStepVariables(preJob, job);
    const step = await runTask({
      ...job,
      ...after,
      variables: {
        ...after.variables,
        EXPECTED_SHA256: createHash("sha256").update(value).digest("hex"),
      },
      inputs: {},
      bundle: laterStep,
    });
    assert.equal(step.result, "Succeeded", describeRun(step));

    const normal = await runTask({ ...job, ...after, inputs });
    assert.equal(normal.result, "Skipped", describeRun(normal));
    assert.match(resultMessage(normal), /read before the job's first step/);
    assert.deepEqual(normal.variables, {});
    assert.equal(reads(name), readsBefore, "the normal run read the secret again");
    checkTaskLeaks("azure-pipelines pre-job normal run", normal, [value, token]);
  });
});

describe("runAsPreJob: false (the default)", () => {
  void test("the pre-job run does nothing, the normal run reads", async () => {
    const name = `main-${unique()}`;
    const value = secretValue("main-run");
    emulator().seed(name, value);
    const token = secretValue("main-run-token");
    const job = connection(token);
    const inputs = { mode: "get", vaultUrl: emulator().vaultUrl, secrets: `${name}: APP_KEY` };

    const preJob = await runTask({ ...job, inputs, bundle: preJobBundle });
    assert.equal(preJob.result, "Skipped", describeRun(preJob));
    assert.match(resultMessage(preJob), /Nothing to do before the job/);
    assert.deepEqual(preJob.variables, {});
    assert.equal(reads(name), 0);

    const normal = await runTask({ ...job, inputs });
    assert.equal(normal.result, "Succeeded", describeRun(normal));
    assert.deepEqual(normal.variables.APP_KEY, { value, secret: true, output: false });
    assert.ok(reads(name) > 0);
    checkTaskLeaks("azure-pipelines runAsPreJob false", normal, [value, token]);
  });

  void test("every mode but get leaves both the work and the input check to the normal run", async () => {
    const token = secretValue("set-token");
    const job = connection(token);
    const inputs = {
      mode: "set",
      vaultUrl: emulator().vaultUrl,
      secrets: "APP_KEY",
      runAsPreJob: "true",
    };
    const secretVariables = { APP_KEY: secretValue("set-value") };

    const preJob = await runTask({ ...job, secretVariables, inputs, bundle: preJobBundle });
    assert.equal(preJob.result, "Skipped", describeRun(preJob));
    assert.deepEqual(preJob.errors, []);

    const normal = await runTask({ ...job, secretVariables, inputs });
    assert.equal(normal.result, "Failed", describeRun(normal));
    assert.match(normal.errors.join("\n"), /runAsPreJob/);
  });

  void test("a malformed runAsPreJob reads in neither run and fails the normal one", async () => {
    const name = `bad-${unique()}`;
    emulator().seed(name, secretValue("bad"));
    const job = connection(secretValue("bad-token"));
    const inputs = {
      mode: "get",
      vaultUrl: emulator().vaultUrl,
      secrets: `${name}: APP_KEY`,
      runAsPreJob: "yes",
    };

    const preJob = await runTask({ ...job, inputs, bundle: preJobBundle });
    assert.equal(preJob.result, "Skipped", describeRun(preJob));
    const normal = await runTask({ ...job, inputs });
    assert.equal(normal.result, "Failed", describeRun(normal));
    assert.match(normal.errors.join("\n"), /input runAsPreJob must be true or false, not `yes`/);
    assert.equal(reads(name), 0);
  });
});

void test("task.json: the pre-job run has the normal run's handlers, with its own target, and runAsPreJob shows in get mode", () => {
  const taskJson = JSON.parse(
    readFileSync(path.join(import.meta.dirname, "..", "..", "..", "task.json"), "utf8"),
  ) as {
    execution: Record<string, { target: string }>;
    prejobexecution?: Record<string, { target: string }>;
    inputs: { name: string; type: string; defaultValue?: string; visibleRule?: string }[];
  };
  assert.deepEqual(Object.keys(taskJson.prejobexecution ?? {}), Object.keys(taskJson.execution));
  for (const handler of Object.values(taskJson.prejobexecution ?? {}))
    assert.equal(handler.target, "dist/prejob.cjs");
  const input = taskJson.inputs.find((i) => i.name === "runAsPreJob");
  assert.deepEqual(
    { type: input?.type, defaultValue: input?.defaultValue, visibleRule: input?.visibleRule },
    { type: "boolean", defaultValue: "false", visibleRule: "mode = get" },
  );
});
