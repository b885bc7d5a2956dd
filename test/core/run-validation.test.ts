import assert from "node:assert/strict";
import { test } from "node:test";
import { clouds } from "../../src/core/vault/clouds.ts";
import { ValidationError } from "../../src/core/errors.ts";
import { run } from "../../src/core/run.ts";

import { emulatorManagedIdentity, emulatorPerFile, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";
import { MemoryPlatform } from "../helpers/memory-platform.ts";
import { runCore } from "../helpers/core-run.ts";

const emu = emulatorPerFile();

test("bad input: every problem (the connection's too) reported together, nothing sent, no token asked for", async () => {
  const big = `${secretValue("big")}${"é".repeat(13_000)}`;
  const variables = {
    VAR_A: secretValue("a"),
    VAR_B: secretValue("b"),
    VAR_C: secretValue("c"),
    VAR_EMPTY: "",
    VAR_BIG: big,
  };
  const platform = new MemoryPlatform({
    inputs: {
      "vault-url": emu().vaultUrl.replace("https:", "http:"),
      secrets: "bad_name!: VAR_A\nDup-Name: VAR_B\ndup-name: VAR_C\nVAR_UNSET\nVAR_EMPTY\nVAR_BIG",
      tags: Array.from({ length: 16 }, (_, i) => `t${i}=v`).join("\n"),
      "expires-in": "90x",
    },
    variables,
    connect: () => {
      throw new ValidationError(["input client-id needs tenant-id too"]);
    },
  });
  const before = emu().requests.length;
  const outcome = await run(platform);
  const values = Object.values(variables);
  assertNoLeaks(platform.texts(), values, "none");
  recordScenario("core-bad-input", platform.texts(), values, "none");
  assert.equal(outcome.status, "invalid");
  assert.deepEqual(emu().requests.slice(before), []);
  const failures = platform.failures();
  assert.equal(failures.length, 1);
  for (const expected of [
    /`bad_name!` is not a valid vault secret name/,
    /secrets line 2 and secrets line 3 both write vault secret dup-name/,
    /variable VAR_UNSET is not set/,
    /variable VAR_EMPTY is empty/,
    /variable VAR_BIG's value is 26\d{3} bytes \(Key Vault allows at most 25600\)/,
    /input tags has 16 tags/,
    /input expires-in `90x` is not a duration/,
    /vault-url http:\/\/\S+ must use https/,
    /client-id needs tenant-id/,
  ]) {
    assert.match(failures[0]!, expected);
  }
  assert.match(failures[0]!, /^aml-secrets: 9 problems with the inputs; nothing was sent/);
  assert.equal(platform.output("result"), "[]");
  assert.equal(platform.output("changed"), "0");
  // The values that were read were masked anyway, though nothing was sent.
  assert.ok(platform.masks().includes(variables.VAR_B));
});

test("allow-empty writes an empty value", async () => {
  const name = uniqueName("empty");
  const variable = name.replace(/-/g, "_").toUpperCase();
  const { outcome } = await runCore(
    emu(),
    "allow-empty",
    { secrets: variable, "allow-empty": "true" },
    { [variable]: "" },
    [],
  );
  assert.equal(outcome.status, "ok");
  assert.equal(emu().versions(name).at(-1)?.value, "");
});

test("the vault is found from the Azure ML workspace through ARM", async () => {
  const workspace = uniqueName("ws");
  const subscriptionId = "00000000-0000-0000-0000-00000000c0de";
  emu().addWorkspace({
    subscriptionId,
    resourceGroup: "rg-ml",
    name: workspace,
    vaultName: `${workspace}-kv`,
  });
  const name = uniqueName("via-ws");
  const variable = name.replace(/-/g, "_").toUpperCase();
  const value = secretValue("ws");
  const { outcome, platform } = await runCore(
    emu(),
    "workspace",
    {
      "vault-url": "",
      "workspace-name": workspace,
      "resource-group": "rg-ml",
      "subscription-id": subscriptionId,
      secrets: variable,
    },
    { [variable]: value },
  );
  assert.equal(outcome.status, "ok", platform.failures().join("\n"));
  assert.equal(emu().versions(name).at(-1)?.value, value);

  const missing = await runCore(
    emu(),
    "workspace-missing",
    {
      "vault-url": "",
      "workspace-name": "nope",
      "resource-group": "rg-ml",
      "subscription-id": subscriptionId,
      secrets: variable,
    },
    { [variable]: value },
  );
  assert.equal(missing.outcome.status, "failed");
  assert.match(missing.platform.failures()[0] ?? "", /nope/);
  assert.deepEqual(missing.requests, []);
});

test("a run with a client secret from the connection redacts it everywhere", async () => {
  const clientSecret = secretValue("client-secret");
  const name = uniqueName("cs");
  const variable = name.replace(/-/g, "_").toUpperCase();
  const credential = await emulatorManagedIdentity();
  const platform = new MemoryPlatform({
    inputs: { "vault-url": emu().vaultUrl, secrets: variable },
    variables: { [variable]: secretValue("v") },
    connect: () => ({
      credential,
      cloud: clouds.AzureCloud!,
      describe: `a connection that carelessly names its secret ${clientSecret}`,
      hint: "x",
      secrets: [clientSecret],
    }),
  });
  const outcome = await run(platform);
  assert.equal(outcome.status, "ok");
  assertNoLeaks(platform.texts(), [clientSecret], "none");
  assert.ok(platform.lines().some((l) => l.includes("carelessly names its secret ***")));
});
