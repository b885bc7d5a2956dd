// Each platform's messages name its own inputs: a user of the task who reads "give vault-url"
// finds no such input in the task assistant. The bad-input matrix runs through the three entry
// points as bundles; no message may name an input the way another platform spells it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { InputName } from "../../../src/core/platform.ts";
import { taskInputName } from "../../../src/platforms/azure-pipelines/inputs.ts";
import { cliFlag } from "../../../src/platforms/cli/platform.ts";
import { kebabCase } from "../../../src/platforms/inputs.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { describeRun, errorsOf, runActionStep } from "../../helpers/github-runner.ts";
import { assertNoLeaks, secretValue } from "../../helpers/leaks.ts";
import { emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { declared } from "./declared.ts";

const emulator = emulatorPerFile();

type Spelling = "github" | "azure-pipelines" | "cli";

const spellings: Record<Spelling, (name: InputName) => string | undefined> = {
  github: (name) => name,
  "azure-pipelines": taskInputName,
  cli: cliFlag,
};

const declaredNow = declared();

/**
 * Inputs whose spelling differs between the platforms (one word is the same everywhere), read
 * from action.yml and task.json: an input added there is checked with no edit here.
 */
const multiWord = [
  ...new Set([...declaredNow.github, ...[...declaredNow.task.keys()].map(kebabCase)]),
].filter((name) => name.includes("-")) as InputName[];

/** Every other platform's spelling of a multi-word input found in `text`, as a whole word. */
function foreignNames(text: string, own: Spelling): string[] {
  const found: string[] = [];
  for (const name of multiWord) {
    const mine = spellings[own](name);
    for (const platform of Object.keys(spellings) as Spelling[]) {
      const theirs = spellings[platform](name);
      if (platform === own || theirs === undefined) continue;
      // The CLI's `--vault-url` holds GitHub's `vault-url`: only a spelling of its own counts.
      const bare = theirs.replace(/^--(no-)?/, "");
      if (bare === mine) continue;
      const word = new RegExp(
        `(?<![\\w-])${bare.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`,
      );
      if (word.test(text)) found.push(`${platform}'s ${theirs}`);
    }
  }
  return found;
}

/**
 * The names a message gives as this platform's inputs that the platform does not have: `input
 * NAME` on GitHub and Azure Pipelines, any `--flag` on the CLI (and `input --flag`).
 */
function unknownNames(text: string, own: Spelling): string[] {
  const has: Record<Spelling, (name: string) => boolean> = {
    github: (name) => declaredNow.github.has(name),
    "azure-pipelines": (name) => declaredNow.task.has(name),
    cli: (name) => declaredNow.cli.has(name) || name === "--version",
  };
  const named =
    own === "cli"
      ? [...text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!)
      : [...text.matchAll(/\binput ([A-Za-z][A-Za-z0-9_-]*)/g)].map((m) => m[1]!);
  return [...new Set(named)].filter((name) => !has[own](name));
}

/** The bad inputs, by SPEC name: each one a problem in set mode. */
function badSetInputs(id: string): Partial<Record<InputName, string>> {
  return {
    "vault-url": "http://example.vault.azure.net",
    overwrite: "sometimes",
    "recover-deleted": "maybe",
    "content-type": "c".repeat(300),
    tags: Array.from({ length: 16 }, (_, i) => `t${i}=v`).join("\n"),
    "expires-in": "90x",
    "not-before-in": "soon",
    "disable-previous-versions": "perhaps",
    "dry-run": "perhaps",
    "allow-empty": "perhaps",
    "max-concurrency": "0",
    "request-timeout": "20m",
    "include-deleted": "true",
    "out-file": "values.env",
    "output-prefix": "KV_",
    secrets: `empty-${id}: EMPTY_${id.toUpperCase()}`,
  };
}

test("GitHub: every problem names the action's own inputs (kebab-case)", async () => {
  const id = unique();
  const run = await runActionStep({
    with: { auth: "managed-identity", ...badSetInputs(id) },
    env: { ...emulator().env(), [`EMPTY_${id.toUpperCase()}`]: "" },
  });
  assert.notEqual(run.exitCode, 0, describeRun(run));
  const errors = errorsOf(run);
  assert.match(errors, /input vault-url http:\/\/example\.vault\.azure\.net must use https/);
  assert.match(errors, /input request-timeout must be from 1s to 10m/);
  assert.deepEqual(foreignNames(errors, "github"), [], errors);
  assert.deepEqual(unknownNames(errors, "github"), [], errors);
  assert.deepEqual(emulator().requests, [], "nothing was sent");
});

test("Azure Pipelines: every problem names the task's own inputs (camelCase)", async () => {
  const id = unique();
  const value = secretValue("names");
  const inputs: Record<string, string> = {};
  for (const [name, v] of Object.entries(badSetInputs(id)))
    inputs[taskInputName(name as InputName) ?? name] = v;
  const run = await runTask({
    endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
    env: emulator().env(),
    inputs: { ...inputs, allowEmpty: "false" },
    variables: { [`EMPTY_${id.toUpperCase()}`]: "" },
    secretVariables: { UNUSED_VALUE: value },
  });
  assert.equal(run.result, "Failed", run.stdout);
  const errors = run.errors.join("\n");
  assert.match(errors, /input vaultUrl http:\/\/example\.vault\.azure\.net must use https/);
  assert.match(errors, /input maxConcurrency must be a whole number/);
  assert.match(errors, /turn on allowEmpty/);
  assert.deepEqual(foreignNames(errors, "azure-pipelines"), [], errors);
  assert.deepEqual(unknownNames(errors, "azure-pipelines"), [], errors);
  assert.deepEqual(emulator().requests, [], "nothing was sent");
  assertNoLeaks({ stdout: run.stdout, stderr: run.stderr }, [value], "azure-pipelines");
});

test("CLI: every problem names the command's own flags", async () => {
  const id = unique();
  const run = await runCli(
    [
      "set",
      "--auth",
      "managed-identity",
      "--vault-url",
      "http://example.vault.azure.net",
      "--overwrite",
      "sometimes",
      "--content-type",
      "c".repeat(300),
      "--expires-in",
      "90x",
      "--not-before-in",
      "soon",
      "--max-concurrency",
      "0",
      "--secrets",
      `empty-${id}: EMPTY_${id.toUpperCase()}`,
      ...Array.from({ length: 16 }, (_, i) => ["--tag", `t${i}=v`]).flat(),
    ],
    { ...emulator().env(), [`EMPTY_${id.toUpperCase()}`]: "" },
  );
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--vault-url http:\/\/example\.vault\.azure\.net must use https/);
  assert.match(run.stderr, /input --tag has 16 tags/);
  assert.match(run.stderr, /turn on --allow-empty/);
  assert.deepEqual(foreignNames(run.stderr, "cli"), [], run.stderr);
  assert.deepEqual(unknownNames(run.stderr, "cli"), [], run.stderr);
  assert.deepEqual(emulator().requests, [], "nothing was sent");
});

test("the check finds a name the platform does not have, and another platform's spelling", () => {
  assert.deepEqual(unknownNames("input vault_url must use https", "github"), ["vault_url"]);
  assert.deepEqual(unknownNames("input vaultUrl must use https", "azure-pipelines"), []);
  assert.deepEqual(unknownNames("give --vault-url or --export-env", "cli"), ["--export-env"]);
  assert.deepEqual(foreignNames("turn on allowEmpty", "github"), ["azure-pipelines's allowEmpty"]);
  assert.deepEqual(foreignNames("turn on allow-empty", "azure-pipelines"), [
    "github's allow-empty",
    "cli's --allow-empty",
  ]);
});
