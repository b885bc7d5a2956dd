import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseGetMapping, parseSetMapping } from "../../../src/core/inputs/mapping.ts";
import { toPipelineName, toVaultName, vaultNameProblem } from "../../../src/core/inputs/names.ts";

test("names derive both ways: UPPER_SNAKE (dots too) <-> lower-kebab", () => {
  assert.equal(toVaultName("DB_PASSWORD"), "db-password");
  assert.equal(toVaultName("app.token"), "app-token");
  assert.equal(toPipelineName("api-key"), "API_KEY");
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,40}$/), (name) => {
      assert.equal(toPipelineName(toVaultName(name)), name);
      assert.equal(vaultNameProblem(toVaultName(name)), undefined);
    }),
  );
});

test("vault names: 1 to 127 letters, digits and hyphens", () => {
  assert.equal(vaultNameProblem("a-B-1"), undefined);
  assert.equal(vaultNameProblem("x".repeat(127)), undefined);
  assert.match(vaultNameProblem("x".repeat(128)) ?? "", /128 characters/);
  assert.match(vaultNameProblem("db_password") ?? "", /not a valid vault secret name/);
  assert.match(vaultNameProblem("") ?? "", /empty/);
});

test("set mapping: `vault: VARIABLE`, a lone name is the variable, comments and blank lines ignored", () => {
  const { entries, problems } = parseSetMapping(
    "db-password: DB_PASSWORD   # vault: pipeline\n\n  STORAGE_KEY\r\n# only a comment\napp.token\n",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    entries.map((e) => [e.vaultName, e.pipelineName, e.where]),
    [
      ["db-password", "DB_PASSWORD", "secrets line 1"],
      ["storage-key", "STORAGE_KEY", "secrets line 3"],
      ["app-token", "app.token", "secrets line 5"],
    ],
  );
});

test("set mapping problems name their line", () => {
  const { entries, problems } = parseSetMapping("bad_name: X\n: Y\nz:\n1ABC\nok: OK");
  assert.equal(entries.length, 1);
  assert.equal(problems.length, 4);
  assert.match(problems[0]!, /^secrets line 1: `bad_name` is not a valid vault secret name/);
  assert.match(problems[1]!, /^secrets line 2: nothing before/);
  assert.match(problems[2]!, /^secrets line 3: nothing after/);
  assert.match(problems[3]!, /^secrets line 4: `1ABC` is not a valid pipeline variable name/);
});

test("get mapping: a lone name is the vault secret, `*` takes every secret", () => {
  const { entries, problems } = parseGetMapping("api-key\ndb-password: DB_PASS\n*\n");
  assert.deepEqual(problems, []);
  assert.deepEqual(entries, [
    { vaultName: "api-key", pipelineName: "API_KEY", where: "secrets line 1" },
    { vaultName: "db-password", pipelineName: "DB_PASS", where: "secrets line 2" },
    { wildcard: true, startsWith: "", where: "secrets line 3" },
  ]);
  assert.match(parseGetMapping("*\n*").problems[0] ?? "", /given twice/);
  assert.match(parseGetMapping("API_KEY").problems[0] ?? "", /not a valid vault secret name/);
});
