import assert from "node:assert/strict";
import { test } from "node:test";
import { CliPlatform } from "../../../src/platforms/cli/platform.ts";
import { secretValue } from "../../helpers/leaks.ts";

test("a value read from the environment is taken out of it (no child process inherits it) and can be read again", () => {
  const value = secretValue("env");
  const env: NodeJS.ProcessEnv = { DB_PASSWORD: value, PATH: "/usr/bin" };
  const platform = new CliPlatform({ inputs: {}, env, stderr: () => undefined });
  assert.equal(platform.getVariable("DB_PASSWORD"), value);
  assert.deepEqual(Object.keys(env), ["PATH"]);
  assert.equal(platform.getVariable("DB_PASSWORD"), value);
  assert.ok(platform.variableNames().includes("DB_PASSWORD"));
});
