// Hostile names through the core: every one a problem naming its line, all reported in one
// run, and not one request (a token included) before the step fails.
import assert from "node:assert/strict";
import { test } from "node:test";

import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { runCore } from "../../helpers/core-run.ts";
import {
  assertEachNamed,
  getModeEntries,
  hostileVaultNames,
  mappingText,
  setScenario,
} from "./hostile-names.ts";

const emu = emulatorPerFile();

/** Variables a `variable-prefix` run finds whose names no pipeline would take. */
const hostileVariableNames = ["a/b", "../x", "a b", "\u0410PI", "A-B", "A;B", "A\u200bB"];

void test("set: hostile vault names, variable names, prefixed variables and generate lines are all named together, nothing sent", async () => {
  const { id, prefix, secrets, generate, variables, read } = setScenario(hostileVariableNames);
  const before = emu().requests.length;
  const { outcome, platform } = await runCore(
    emu(),
    "hostile-names-set",
    { secrets: secrets.text, generate: generate.text, "variable-prefix": prefix },
    variables,
  );
  assert.equal(outcome.status, "invalid");
  assert.deepEqual(emu().requests.slice(before), [], "no request of any kind");
  assert.deepEqual(emu().versions(`good-${id}`), []);

  const errors = platform.problems();
  assertEachNamed(errors, secrets.lines.slice(1));
  assertEachNamed(errors, generate.lines, "generate");
  for (const name of hostileVariableNames) {
    assert.ok(
      errors.includes(
        `variable-prefix ${prefix}: variable ${prefix}${name} is not a valid pipeline variable name`,
      ),
      `the prefixed variable ${JSON.stringify(name)} is named`,
    );
  }
  const count = secrets.lines.length - 1 + generate.lines.length + hostileVariableNames.length;
  assert.equal(platform.failures().length, 1);
  assert.match(platform.failures()[0] ?? "", new RegExp(`^aml-secrets: ${count} problems`));
  // Only what a valid line named was read (and masked): never a hostile line's variable.
  assert.deepEqual(platform.masks().sort(), [...read].sort());
});

void test("get: hostile vault and output names are all named together, nothing sent", async () => {
  const secrets = mappingText(getModeEntries(unique()));
  const before = emu().requests.length;
  const { outcome, platform } = await runCore(emu(), "hostile-names-get", {
    mode: "get",
    secrets: secrets.text,
  });
  assert.equal(outcome.status, "invalid");
  assert.deepEqual(emu().requests.slice(before), [], "no request of any kind");
  assertEachNamed(platform.problems(), secrets.lines);
  assert.match(
    platform.failures()[0] ?? "",
    new RegExp(`^aml-secrets: ${secrets.lines.length} problems`),
  );
});

void test("each hostile vault name alone is refused before any request, in get mode and as a generate line", async () => {
  for (const name of hostileVaultNames) {
    for (const inputs of [
      { mode: "get", secrets: name },
      { mode: "get", secrets: `${name}: OUT` },
      { generate: name },
    ]) {
      const before = emu().requests.length;
      const { outcome, platform } = await runCore(emu(), "hostile-name-alone", inputs);
      const what = `${JSON.stringify(inputs)}`;
      assert.equal(outcome.status, "invalid", `${what} was not refused`);
      assert.deepEqual(emu().requests.slice(before), [], `${what} sent a request`);
      assert.ok(platform.failures()[0]?.includes(name.slice(0, 40)), `${what} is not named`);
    }
  }
});
