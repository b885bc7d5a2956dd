// The reserved-name list itself: what it catches, how it compares, and that the names users
// ordinarily give secrets stay free.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reservedOutputProblems } from "../../../src/core/modes/get/inputs.ts";
import { reservedName } from "../../../src/core/inputs/reserved-names.ts";

test("reserved names are compared without regard to case, with `.` as `_`, by exact name and by prefix", () => {
  for (const name of [
    "PATH",
    "Path",
    "path",
    "BASH_ENV",
    "ENV",
    "NODE_OPTIONS",
    "node.options",
    "LD_PRELOAD",
    "DYLD_INSERT_LIBRARIES",
    "GITHUB_TOKEN",
    "RUNNER_TEMP",
    "ACTIONS_STEP_DEBUG",
    "INPUT_CLIENT_SECRET",
    "STATE_X",
    "System.AccessToken",
    "SYSTEM_ACCESSTOKEN",
    "Agent.TempDirectory",
    "Build.SourcesDirectory",
    "TF_BUILD",
    "IFS",
    "PS4",
    "PROMPT_COMMAND",
    "_JAVA_OPTIONS",
    "HTTPS_PROXY",
    "https_proxy",
    "GIT_SSH_COMMAND",
    "AZURE_CLIENT_SECRET",
    "result",
  ]) {
    assert.ok(reservedName(name), `${name} is reserved`);
  }
  for (const name of [
    "API_KEY",
    "DB_PASSWORD",
    "STORAGE_KEY",
    "CLIENT_SECRET",
    "TOKEN",
    "KV_BASH_ENV",
    "KV_PATH",
    "MY_GITHUB_TOKEN",
    "PATHS",
    "ENVIRONMENT",
    "DOCKER_PASSWORD",
    "RESULTS",
  ]) {
    assert.equal(reservedName(name), undefined, `${name} is free`);
  }
});

test("the step's own outputs and GitHub's file-command variables are refused even with the opt-in", () => {
  const entries = [
    { pipelineName: "BASH_ENV", where: "secrets line 1" },
    { pipelineName: "GITHUB_ENV", where: "secrets line 2" },
    { pipelineName: "Changed", where: "secrets line 3" },
    { pipelineName: "API_KEY", where: "secrets line 4" },
    { wildcard: true as const },
  ];
  const label = (name: string): string => `<${name}>`;
  assert.deepEqual(
    reservedOutputProblems(entries, false, label).map((p) => p.slice(0, 14)),
    ["secrets line 1", "secrets line 2", "secrets line 3"],
  );
  const optedIn = reservedOutputProblems(entries, true, label);
  assert.deepEqual(
    optedIn.map((p) => p.slice(0, 14)),
    ["secrets line 2", "secrets line 3"],
  );
  assert.ok(optedIn.every((p) => !p.includes("<allow-reserved-names>")));
  assert.match(
    reservedOutputProblems(entries, false, label)[0] ?? "",
    /set <allow-reserved-names> to true/,
  );
});

test("reserved names per platform: SECRET_* is the Azure Pipelines agent's, GITHUB_* the runner's; shells' names everywhere", () => {
  assert.equal(reservedName("SECRET_KEY", "github"), undefined);
  assert.equal(reservedName("SECRET_KEY", "cli"), undefined);
  assert.match(reservedName("SECRET_KEY", "azure-pipelines")?.why ?? "", /Azure Pipelines agent/);
  assert.equal(reservedName("GITHUB_TOKEN", "azure-pipelines"), undefined);
  assert.ok(reservedName("GITHUB_TOKEN", "github"));
  assert.equal(reservedName("RESULT", "cli"), undefined, "the CLI has no outputs of its own");
  assert.ok(reservedName("VAULTURL", "azure-pipelines")?.never, "the vaultUrl output");
  for (const platform of ["github", "azure-pipelines", "cli"] as const) {
    for (const name of ["PATH", "BASH_ENV", "LD_PRELOAD", "NODE_OPTIONS"])
      assert.ok(reservedName(name, platform), `${name} on ${platform}`);
  }
});
