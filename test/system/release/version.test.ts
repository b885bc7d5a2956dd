// One version in three places: package.json, task.json (Major/Minor/Patch) and
// vss-extension.json. `npm version` (its `version` hook: scripts/version.mjs sync) moves all three,
// the CHANGELOG's notes and the bundles in one commit and tag; `check` is what the release workflow
// runs against the pushed tag.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runProcess, type ProcessRun } from "../../helpers/run-process.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const script = path.join(root, "scripts", "version.mjs");
const temp = mkdtempSync(path.join(os.tmpdir(), "aml-version-"));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A command in `dir` (this checkout by default), with a git identity for its commits. */
const run = (file: string, args: string[], cwd = root): Promise<ProcessRun> =>
  runProcess(file, args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "release test",
      GIT_AUTHOR_EMAIL: "release-test@example.invalid",
      GIT_COMMITTER_NAME: "release test",
      GIT_COMMITTER_EMAIL: "release-test@example.invalid",
    },
  });

const version = (dir: string, ...args: string[]): Promise<ProcessRun> =>
  run(process.execPath, [path.join(dir, "scripts", "version.mjs"), ...args], dir);

const readJson = (dir: string, file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>;

function versions(dir: string): string[] {
  const { Major, Minor, Patch } = readJson(dir, "task.json").version as Record<string, number>;
  return [
    String(readJson(dir, "package.json").version),
    `${Major}.${Minor}.${Patch}`,
    String(readJson(dir, "vss-extension.json").version),
  ];
}

/**
 * A copy of what a release touches and builds, in a git repository of its own (node_modules
 * linked, not copied), so that `npm version` can run for real without touching this checkout.
 */
async function releaseCheckout(): Promise<string> {
  const dir = mkdtempSync(path.join(temp, "checkout-"));
  for (const entry of [
    "package.json",
    "task.json",
    "vss-extension.json",
    "CHANGELOG.md",
    "scripts",
    "src",
  ]) {
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  // A release checkout right after a release: nothing written under [Unreleased] yet (the real
  // file may hold notes for the next version).
  const changelog = path.join(dir, "CHANGELOG.md");
  writeFileSync(
    changelog,
    readFileSync(changelog, "utf8").replace(
      /## \[Unreleased\]\n[\s\S]*?(?=\n## \[)/,
      "## [Unreleased]\n",
    ),
  );
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, ".gitignore"), "node_modules\n");
  for (const args of [
    ["init", "-q"],
    ["add", "."],
    ["commit", "-q", "-m", "base"],
  ]) {
    assert.equal((await run("git", args, dir)).code, 0);
  }
  return dir;
}

test("package.json, task.json and vss-extension.json carry one version, and CHANGELOG.md has its notes", async () => {
  const [pkg, task, extension] = versions(root);
  assert.equal(task, pkg, "task.json's version differs from package.json's");
  assert.equal(extension, pkg, "vss-extension.json's version differs from package.json's");
  const check = await run(process.execPath, [script, "check", `v${pkg}`]);
  assert.equal(check.code, 0, check.stderr);
  const notes = await run(process.execPath, [script, "notes"]);
  assert.equal(notes.code, 0, notes.stderr);
  assert.match(notes.stdout, /^### /m);
});

test("check fails on a manifest that drifted, and on a tag that is not the version", async () => {
  const dir = await releaseCheckout();
  const [current] = versions(dir);
  assert.equal((await version(dir, "check", `v${current}`)).code, 0);

  const wrongTag = await version(dir, "check", "v9.9.9");
  assert.notEqual(wrongTag.code, 0);
  assert.match(wrongTag.stderr, new RegExp(`the tag v9\\.9\\.9 is not v${current}`));

  const taskJson = path.join(dir, "task.json");
  writeFileSync(taskJson, readFileSync(taskJson, "utf8").replace(/"Patch": \d+/, '"Patch": 9999'));
  const drifted = await version(dir, "check");
  assert.notEqual(drifted.code, 0);
  assert.match(drifted.stderr, /task\.json says \d+\.\d+\.9999/);
});

test("npm version moves the three versions, the CHANGELOG notes and the bundles in one commit and tag", async () => {
  const dir = await releaseCheckout();
  const [current] = versions(dir);
  const [major = 0, minor = 0] = current?.split(".").map(Number) ?? [];
  const next = `${major}.${minor + 1}.0`;
  const note = `- A change made by the release test (${next}).`;
  const changelog = path.join(dir, "CHANGELOG.md");
  writeFileSync(
    changelog,
    readFileSync(changelog, "utf8").replace(
      "## [Unreleased]\n",
      `## [Unreleased]\n\n### Changed\n\n${note}\n`,
    ),
  );
  await run("git", ["commit", "-q", "-am", "notes"], dir);

  const bump = await run("npm", ["version", "minor"], dir);
  assert.equal(bump.code, 0, `${bump.stdout}\n${bump.stderr}`);
  assert.deepEqual(versions(dir), [next, next, next]);

  const tag = await run("git", ["describe", "--tags", "--exact-match", "HEAD"], dir);
  assert.equal(tag.stdout.trim(), `v${next}`);
  const status = await run("git", ["status", "--porcelain"], dir);
  assert.equal(status.stdout, "", "npm version left changes out of its commit");
  const committed = await run("git", ["show", "--name-only", "--format=", "HEAD"], dir);
  for (const file of [
    "package.json",
    "task.json",
    "vss-extension.json",
    "CHANGELOG.md",
    "dist/cli.cjs",
  ]) {
    assert.match(committed.stdout, new RegExp(`^${file.replace(".", "\\.")}$`, "m"));
  }

  const text = readFileSync(changelog, "utf8");
  assert.match(
    text,
    new RegExp(`## \\[Unreleased\\]\\n\\n## \\[${next}\\] - \\d{4}-\\d{2}-\\d{2}\\n`),
  );
  const notes = await version(dir, "notes", next);
  assert.equal(notes.stdout.trim(), `### Changed\n\n${note}`);
  assert.equal((await version(dir, "check", `v${next}`)).code, 0);

  const cli = await run(process.execPath, [path.join(dir, "dist", "cli.cjs"), "--version"], dir);
  assert.equal(cli.stdout, `${next}\n`);
});

test("npm version refuses a version without notes, and makes no tag", async () => {
  const dir = await releaseCheckout();
  const [before] = versions(dir);
  const bump = await run("npm", ["version", "patch"], dir);
  assert.notEqual(bump.code, 0);
  assert.match(`${bump.stdout}\n${bump.stderr}`, /CHANGELOG\.md has no notes for \d+\.\d+\.\d+/);
  const tags = await run("git", ["tag", "--list"], dir);
  assert.equal(tags.stdout, "");
  assert.equal(versions(dir)[1], before, "task.json changed although the version was refused");
});
