// docs/inputs.md is generated (scripts/inputs-doc.mjs) from action.yml, task.json and the CLI's
// --help: the committed file is what the script makes now, every input of both manifests is in
// it, and an input added to a manifest appears without any change to the script.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { actionInputNames } from "../../helpers/github-runner.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const script = path.join(root, "scripts", "inputs-doc.mjs");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");

interface TaskInput {
  name: string;
  label?: string;
  type?: string;
  required?: boolean;
  defaultValue?: string;
  helpMarkDown?: string;
}

function generate(args: string[] = []): string {
  return execFileSync(process.execPath, [script, "--stdout", ...args], { encoding: "utf8" });
}

test("docs/inputs.md is what scripts/inputs-doc.mjs makes (run it and commit the file)", () => {
  const check = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(generate(), read("docs/inputs.md"));
});

test("every input of action.yml and task.json, and every CLI flag, is in docs/inputs.md", () => {
  const doc = read("docs/inputs.md");
  const task = (JSON.parse(read("task.json")) as { inputs: TaskInput[] }).inputs;
  const names = [...actionInputNames(read("action.yml")), ...task.map((i) => i.name)];
  assert.ok(names.length > 30, names.join(", "));
  const missing = names.filter((name) => !doc.includes(`| \`${name}\``));
  assert.deepEqual(missing, []);
  const flags = [
    ...execFileSync(process.execPath, [path.join(root, "dist", "cli.cjs"), "set", "--help"], {
      encoding: "utf8",
    }).matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm),
  ].map((m) => m[1] ?? "");
  assert.ok(flags.includes("--vault-url"), flags.join(", "));
  assert.deepEqual(
    flags.filter((flag) => !doc.includes(`\`${flag}`)),
    [],
  );
});

test("an input added to action.yml or task.json appears, paired across the platforms, with no edit to the script", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inputs-doc-"));
  try {
    const action = read("action.yml").replace(
      /\noutputs:/,
      [
        "  audience:",
        '    description: "GitHub OIDC token audience | the cloud\'s."',
        "    required: false",
        "  example-window:",
        "    description: >-",
        "      Example mode: only secrets whose current version expires",
        "      within this window.",
        "    required: false",
        '    default: "30d"',
        "",
        "outputs:",
      ].join("\n"),
    );
    const manifest = JSON.parse(read("task.json")) as { inputs: TaskInput[] };
    manifest.inputs.push(
      { name: "exampleWindow", type: "string", label: "Example window", helpMarkDown: "Window." },
      { name: "runAsPreJob", type: "boolean", defaultValue: "false", helpMarkDown: "Pre-job." },
    );
    writeFileSync(path.join(dir, "action.yml"), action);
    writeFileSync(path.join(dir, "task.json"), JSON.stringify(manifest));
    const doc = generate([
      "--action",
      path.join(dir, "action.yml"),
      "--task",
      path.join(dir, "task.json"),
    ]);
    assert.match(doc, /^\| `example-window` \| `exampleWindow` \| {2}\| `30d` \|$/m);
    assert.match(doc, /^\| `audience` \| {2}\| {2}\| {2}\|$/m);
    assert.match(doc, /^\| \| `runAsPreJob` \| {2}\| `false` \|$/m);
    // The folded description is one line; a `|` in it does not split the table's cell.
    assert.match(
      doc,
      /^\| `example-window` \| `30d` \| Example mode: only secrets whose current version expires within this window\. \|$/m,
    );
    assert.match(doc, /GitHub OIDC token audience \\\| the cloud's\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an action.yml line the generator does not understand fails it, rather than an input left out", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inputs-doc-"));
  try {
    writeFileSync(
      path.join(dir, "action.yml"),
      read("action.yml").replace(/\noutputs:/, "\n  odd-input: { description: inline }\noutputs:"),
    );
    const run = spawnSync(
      process.execPath,
      [script, "--stdout", "--action", path.join(dir, "action.yml")],
      { encoding: "utf8" },
    );
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /not understood: +odd-input/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
