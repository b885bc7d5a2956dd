import assert from "node:assert/strict";
import { test } from "node:test";
import type { InputName } from "../../../src/core/platform.ts";
import { parseDuration } from "../../../src/core/inputs/durations.ts";
import { inputFields } from "../../../src/core/inputs/fields.ts";
import { defaultConcurrency } from "../../../src/core/inputs/settings.ts";
import { parseInputs } from "../../../src/core/modes/index.ts";
import { parseSetInputs } from "../../../src/core/modes/set/inputs.ts";

/** Every problem of the inputs, and the settings with set mode's own. */
function parse(inputs: Partial<Record<InputName, string>>) {
  const read = (name: InputName): string | undefined => inputs[name];
  const { settings, problems } = parseInputs(read);
  return { settings: { ...settings, ...parseSetInputs(inputFields(read)) }, problems };
}

test("defaults follow the SPEC", () => {
  const { settings, problems } = parse({ "vault-url": "https://kv.vault.azure.net", secrets: "A" });
  assert.deepEqual(problems, []);
  assert.equal(settings.mode, "set");
  assert.equal(settings.overwrite, "changed");
  assert.equal(settings.recoverDeleted, true);
  assert.equal(settings.disablePreviousVersions, false);
  assert.equal(settings.dryRun, false);
  assert.equal(settings.allowEmpty, false);
  assert.equal(settings.maxConcurrency, defaultConcurrency);
  assert.deepEqual(settings.vault, { url: "https://kv.vault.azure.net" });
});

test("every input is parsed", () => {
  const { settings, problems } = parse({
    mode: "SET",
    "workspace-name": "ws1",
    "resource-group": "rg",
    "subscription-id": "00000000-0000-0000-0000-0000000000a1",
    secrets: "A",
    overwrite: "always",
    "recover-deleted": "False",
    "content-type": "text/plain",
    tags: "team = ml\nowner=ci=bot\n",
    "expires-in": "90d",
    "not-before-in": "1h30m",
    "disable-previous-versions": "true",
    generate: "rot: 20",
    "dry-run": "TRUE",
    "allow-empty": "true",
    "max-concurrency": "3",
    "variable-prefix": "AML_",
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(settings.vault, {
    workspace: {
      name: "ws1",
      resourceGroup: "rg",
      subscriptionId: "00000000-0000-0000-0000-0000000000a1",
    },
  });
  assert.equal(settings.overwrite, "always");
  assert.equal(settings.recoverDeleted, false);
  assert.equal(settings.contentType, "text/plain");
  assert.deepEqual(settings.tags, { team: "ml", owner: "ci=bot" });
  assert.equal(settings.expiresInMs, 90 * 86_400_000);
  assert.equal(settings.notBeforeInMs, 90 * 60_000);
  assert.equal(settings.disablePreviousVersions, true);
  assert.deepEqual(settings.generate, [{ vaultName: "rot", length: 20 }]);
  assert.equal(settings.dryRun, true);
  assert.equal(settings.allowEmpty, true);
  assert.equal(settings.maxConcurrency, 3);
  assert.equal(settings.variablePrefix, "AML_");
});

test("every problem is collected, none stops the parse", () => {
  const { problems } = parse({
    mode: "push",
    "vault-url": "http://kv.vault.azure.net",
    secrets: "bad_name: X",
    overwrite: "sometimes",
    "recover-deleted": "yes",
    "content-type": "x".repeat(256),
    tags:
      Array.from({ length: 16 }, (_, i) => `t${i}=v`).join("\n") +
      `\nlong=${"v".repeat(257)}\nnoequals`,
    "expires-in": "90x",
    "not-before-in": "-1d",
    "max-concurrency": "0",
    generate: "g: 3",
  });
  const expected = [
    /input mode must be one of set, get/,
    /vault-url http:\/\/\S+ must use https/,
    /secrets line 1: `bad_name`/,
    /input overwrite must be one of changed, always, never/,
    /input recover-deleted must be true or false/,
    /content-type is 256 characters long/,
    /input tags has 17 tags/,
    /tags line 17: tag long's value is 257 characters/,
    /tags line 18: write `name=value`/,
    /input expires-in `90x` is not a duration/,
    /input not-before-in `-1d` is not a duration/,
    /max-concurrency must be a whole number from 1 to 64/,
    /generate line 1: length `3`/,
  ];
  for (const pattern of expected)
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${pattern} in ${problems.join(" | ")}`,
    );
  assert.equal(problems.length, expected.length);
});

test("the vault: a URL (https, host only) or a workspace with its resource group, not both, not neither", () => {
  assert.match(parse({ secrets: "A" }).problems[0]!, /no vault/);
  assert.match(
    parse({ secrets: "A", "workspace-name": "ws" }).problems[0]!,
    /needs resource-group/,
  );
  assert.match(
    parse({
      secrets: "A",
      "vault-url": "https://kv.vault.azure.net",
      "workspace-name": "w",
      "resource-group": "r",
    }).problems[0]!,
    /not both/,
  );
  assert.match(
    parse({ secrets: "A", "vault-url": "https://kv.vault.azure.net/secrets/x" }).problems[0]!,
    /address only/,
  );
  // A bare name is a vault of the connection's cloud; `kv` is too short for Key Vault.
  assert.match(
    parse({ secrets: "A", "vault-url": "kv" }).problems[0]!,
    /not a Key Vault name.*nor a URL/,
  );
  assert.deepEqual(parse({ secrets: "A", "vault-url": "myvault" }).problems, []);
  assert.match(parse({ secrets: "A", "vault-url": "kv.example" }).problems[0]!, /not a URL/);
  assert.deepEqual(parse({ secrets: "A", "vault-url": "https://kv.vault.azure.cn/" }).problems, []);
});

test("set-only inputs in get mode are problems; get needs something to read", () => {
  const { problems } = parse({
    mode: "get",
    "vault-url": "https://kv.vault.azure.net",
    generate: "x-y",
    "variable-prefix": "P_",
  });
  assert.ok(problems.some((p) => /generate is for set mode/.test(p)));
  assert.ok(problems.some((p) => /variable-prefix is for set mode/.test(p)));
  assert.ok(problems.some((p) => /names nothing to read/.test(p)));
});

test("durations: s, m, h, d, w, combined; expiry after activation", () => {
  assert.equal(parseDuration("90d"), 90 * 86_400_000);
  assert.equal(parseDuration("12h"), 12 * 3_600_000);
  assert.equal(parseDuration("1w2d"), 9 * 86_400_000);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("0m"), 0);
  for (const bad of ["", "d", "90", "1.5d", "-1d", "90days", "99999999999999d"])
    assert.equal(parseDuration(bad), undefined, bad);
  assert.match(
    parse({
      secrets: "A",
      "vault-url": "https://k.vault.azure.net",
      "expires-in": "1h",
      "not-before-in": "2h",
    }).problems[0]!,
    /expires-in must be longer than not-before-in/,
  );
  assert.match(
    parse({ secrets: "A", "vault-url": "https://k.vault.azure.net", "expires-in": "0d" })
      .problems[0]!,
    /longer than 0/,
  );
});

test("out-format without out-file is a problem (nothing would be written in it); the default is not", () => {
  const base = { mode: "get", "vault-url": "https://kv.vault.azure.net", secrets: "a" } as const;
  assert.deepEqual(parse({ ...base, "out-format": "dotenv" }).problems, []);
  assert.deepEqual(parse({ ...base, "out-format": "json", "out-file": "v.json" }).problems, []);
  assert.deepEqual(parse({ ...base, "out-format": "shell" }).problems, [
    "input out-format needs out-file: without a file nothing is written in that format",
  ]);
});
