// What the registries and the Marketplace show: one repository named everywhere (package.json is
// the source; npm's provenance check compares it with the repository that built the package), the
// licence that package.json declares, and an agent that has the task's Node24 handler.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");
const json = (file: string): Record<string, unknown> =>
  JSON.parse(read(file)) as Record<string, unknown>;

interface PackageJson {
  license: string;
  keywords: string[];
  homepage: string;
  bugs: { url: string };
  repository: { type: string; url: string };
}

test("package.json, task.json, vss-extension.json and overview.md name one repository", () => {
  const pkg = json("package.json") as unknown as PackageJson;
  const match = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository.url);
  assert.ok(
    match,
    `repository.url ${pkg.repository.url} is not git+https://github.com/OWNER/NAME.git`,
  );
  const repository = match[1] ?? "";
  assert.equal(pkg.repository.type, "git");
  assert.equal(pkg.homepage, `${repository}#readme`);
  assert.equal(pkg.bugs.url, `${repository}/issues`);
  assert.ok(pkg.keywords.length > 0);

  const taskJson = json("task.json");
  assert.match(String(taskJson.helpUrl), new RegExp(`^${repository}[#/]`));
  const extension = json("vss-extension.json") as {
    repository: { uri: string };
    links: Record<string, { uri: string }>;
  };
  assert.equal(extension.repository.uri, repository);
  for (const [name, link] of Object.entries(extension.links)) {
    assert.ok(link.uri.startsWith(repository), `vss-extension.json link ${name}: ${link.uri}`);
  }
  assert.ok(read("overview.md").includes(`](${repository})`), "overview.md links no repository");
});

test("LICENSE is the licence package.json declares", () => {
  assert.equal((json("package.json") as unknown as PackageJson).license, "MIT");
  assert.match(read("LICENSE"), /^MIT License\n\nCopyright \(c\) \d{4} /);
});

test("minimumAgentVersion is the first agent with the Node20_1 handler (3.230.2; docs/agent-handlers.md)", () => {
  const taskJson = json("task.json") as {
    minimumAgentVersion: string;
    execution: Record<string, { target: string }>;
  };
  assert.deepEqual(Object.keys(taskJson.execution), ["Node24", "Node20_1"]);
  // Older agents know no Node20_1 (3.230.0 had "Node20"): they would find no handler to run.
  assert.equal(taskJson.minimumAgentVersion, "3.230.2");
});
