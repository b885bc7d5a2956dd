// One version, three places: package.json (the source), task.json (Major/Minor/Patch: the agent
// keeps a cached task until this changes) and vss-extension.json (the .vsix).
//
//   node scripts/version.mjs sync          package.json's version into task.json and
//                                          vss-extension.json; CHANGELOG's [Unreleased] section
//                                          becomes that version's (npm version's `version` hook)
//   node scripts/version.mjs check [TAG]   the three agree, CHANGELOG.md has notes for the version,
//                                          and TAG (e.g. v1.2.3, from the release workflow) names it
//   node scripts/version.mjs notes [VER]   prints CHANGELOG.md's notes of VER (default: the version)
//
// The two JSON manifests are edited in place, not re-serialised, so that their formatting (and
// other people's lines) stay as they are.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const [command, argument] = process.argv.slice(2);
const file = (name) => path.join(root, name);
const read = (name) => readFileSync(file(name), "utf8");

/** The one version: package.json's, plain MAJOR.MINOR.PATCH (task.json and a .vsix hold no more). */
function packageVersion() {
  const { version } = JSON.parse(read("package.json"));
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    fail(
      `package.json's version ${version} is not MAJOR.MINOR.PATCH (task.json cannot carry more)`,
    );
  }
  return version;
}

/** The version each manifest holds. */
function manifestVersions() {
  const { Major, Minor, Patch } = JSON.parse(read("task.json")).version;
  return {
    "package.json": JSON.parse(read("package.json")).version,
    "task.json": `${Major}.${Minor}.${Patch}`,
    "vss-extension.json": JSON.parse(read("vss-extension.json")).version,
  };
}

/** Replaces the first match of `pattern` in `name`, failing when there is none. */
function replaceIn(name, pattern, replacement) {
  const text = read(name);
  if (!pattern.test(text)) fail(`${name}: no version field found`);
  writeFileSync(file(name), text.replace(pattern, replacement));
}

/** The CHANGELOG.md section of `version`: its heading's line index and its text. */
function changelogSection(text, version) {
  const lines = text.split("\n");
  const heading = (line) => line.startsWith("## [");
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start < 0) return undefined;
  const next = lines.findIndex((line, i) => i > start && heading(line));
  const body = lines.slice(start + 1, next < 0 ? undefined : next).join("\n");
  return { start, body: body.trim() };
}

function sync() {
  const version = packageVersion();
  // The notes first: a version without them changes nothing here (npm has already written
  // package.json; `git checkout package.json package-lock.json` undoes that).
  let changelog = read("CHANGELOG.md");
  if (!changelogSection(changelog, version)) {
    const unreleased = changelogSection(changelog, "Unreleased");
    if (!unreleased?.body) {
      fail(`CHANGELOG.md has no notes for ${version}: write them under "## [Unreleased]" first`);
    }
    const lines = changelog.split("\n");
    const date = new Date().toISOString().slice(0, 10);
    lines.splice(unreleased.start, 1, "## [Unreleased]", "", `## [${version}] - ${date}`);
    changelog = lines.join("\n");
  }
  const [Major, Minor, Patch] = version.split(".").map(Number);
  replaceIn(
    "task.json",
    /"version"\s*:\s*\{[^}]*\}/,
    `"version": { "Major": ${Major}, "Minor": ${Minor}, "Patch": ${Patch} }`,
  );
  replaceIn("vss-extension.json", /"version"\s*:\s*"[^"]*"/, `"version": "${version}"`);
  writeFileSync(file("CHANGELOG.md"), changelog);
  check();
}

function check(tag) {
  const versions = manifestVersions();
  const version = versions["package.json"];
  const problems = Object.entries(versions)
    .filter(([, v]) => v !== version)
    .map(([name, v]) => `${name} says ${v}, package.json says ${version}`);
  if (tag !== undefined && tag !== `v${version}`) {
    problems.push(`the tag ${tag} is not v${version}, the version of package.json`);
  }
  if (!changelogSection(read("CHANGELOG.md"), version)?.body) {
    problems.push(`CHANGELOG.md has no notes under "## [${version}]"`);
  }
  if (problems.length > 0) fail(problems.join("\n"));
  console.log(`version ${version}: package.json, task.json and vss-extension.json agree`);
}

function notes(version = packageVersion()) {
  const section = changelogSection(read("CHANGELOG.md"), version);
  if (!section?.body) fail(`CHANGELOG.md has no notes under "## [${version}]"`);
  console.log(section.body);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

const commands = { sync, check, notes };
if (!Object.hasOwn(commands, command ?? ""))
  fail("usage: version.mjs sync | check [TAG] | notes [VERSION]");
commands[command](argument);
