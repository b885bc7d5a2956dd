// Rotate mode through the three bundles, each run the way its platform runs it, against the
// emulator: one step rotates a storage account key and an Entra application's client secret.
// After it the vault holds the new credentials (tested at their source), the ones readers held
// before still work, every new value was masked by the platform and none was printed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { emulatorSecretClient, uniqueName } from "../../helpers/emulator.ts";
import { runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import {
  accountId,
  addGraphPassword,
  graphPasswords,
  passwordWorks,
  storageKeys,
  storageKeyWorks,
} from "../../helpers/rotation-sources.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";

const sub = "00000000-0000-0000-0000-00000000b002";
const rg = "rg-rotate-system";

let emu: Emulator;
let client: SecretClient;

before(async () => {
  emu = await startEmulator();
  client = await emulatorSecretClient(emu);
});
after(async () => {
  await emu.stop();
});

interface Prepared {
  storage: { name: string; account: string; key1: string };
  entra: { name: string; appId: string; secret: string };
  lines: string;
  /** What readers hold now. */
  values: string[];
}

/** A storage secret (key1) and an application secret, tagged as Azure's rotation samples tag them. */
async function prepare(): Promise<Prepared> {
  const account = `sys${Math.random().toString(36).slice(2, 12)}`;
  emu.addStorageAccount({ subscriptionId: sub, resourceGroup: rg, name: account });
  const id = accountId(sub, rg, account);
  const keys = await storageKeys(emu, id);
  const storageName = uniqueName("sys-key");
  await client.setSecret(storageName, keys.key1, {
    tags: { CredentialId: "key1", ProviderAddress: id, ValidityPeriodDays: "30" },
  });
  const appId = crypto.randomUUID();
  const objectId = emu.addApplication(appId);
  const held = await addGraphPassword(emu, appId, "aml-secrets first");
  const entraName = uniqueName("sys-app");
  await client.setSecret(entraName, held.secret, {
    tags: { CredentialId: held.keyId, ProviderAddress: objectId },
  });
  return {
    storage: { name: storageName, account, key1: keys.key1 },
    entra: { name: entraName, appId, secret: held.secret },
    lines: `${storageName}: storage-account\n${entraName}: entra-application`,
    values: [keys.key1, keys.key2, held.secret],
  };
}

/** The vault holds new, working credentials; the old ones still work. Returns the new values. */
async function assertRotated(
  p: Prepared,
  rows: { name: string; action: string }[],
  displayName: RegExp,
): Promise<string[]> {
  assert.deepEqual(
    rows.map((r) => [r.name, r.action]),
    [
      [p.storage.name, "rotated"],
      [p.entra.name, "rotated"],
    ],
  );
  const key = (await client.getSecret(p.storage.name)).value ?? "";
  const secret = (await client.getSecret(p.entra.name)).value ?? "";
  assert.notEqual(key, p.storage.key1);
  assert.notEqual(secret, p.entra.secret);
  assert.ok(await storageKeyWorks(emu, p.storage.account, key), "the new key authenticates");
  assert.ok(
    await storageKeyWorks(emu, p.storage.account, p.storage.key1),
    "the old key still does",
  );
  assert.ok(await passwordWorks(emu, p.entra.appId, secret), "the new password signs in");
  assert.ok(await passwordWorks(emu, p.entra.appId, p.entra.secret), "the old one still does");
  const { CredentialId } = (await client.getSecret(p.entra.name)).properties.tags ?? {};
  const added = (await graphPasswords(emu, p.entra.appId)).find((x) => x.keyId === CredentialId);
  assert.match(String(added?.displayName), displayName, "the password names the run");
  return [key, secret];
}

test("GitHub Action: rotate mode rotates both providers, masked with add-mask", async () => {
  const p = await prepare();
  const run = await runActionStep({
    with: {
      mode: "rotate",
      "vault-url": emu.vaultUrl,
      auth: "managed-identity",
      "resource-manager-url": emu.armUrl,
      "graph-url": emu.graphUrl,
      "authority-host": emu.authorityHost,
      secrets: p.lines,
    },
    env: { ...emu.env(), GITHUB_RUN_ID: "4242", GITHUB_REPOSITORY: "octo/training" },
  });
  const describe = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
  assert.equal(run.exitCode, 0, describe);
  const fresh = await assertRotated(
    p,
    JSON.parse(run.outputs.result ?? "[]") as never,
    /^aml-secrets octo\/training run 4242$/,
  );
  const values = [...p.values, ...fresh];
  const masked = run.commands.filter((c) => c.command === "add-mask").map((c) => c.data);
  for (const value of fresh) assert.ok(masked.includes(value), "each new credential is masked");
  const texts = stepTexts(run);
  assertNoLeaks(texts, values, "github");
  recordScenario("rotate github", texts, values, "github");
  assert.equal(run.outputs.changed, "2");
});

test("Azure Pipelines task: rotate mode rotates both providers, masked with task.setsecret", async () => {
  const p = await prepare();
  const accessToken = secretValue("access-token");
  const env = emu.env();
  delete env.AZURE_AUTHORITY_HOST;
  const run = await runTask({
    endpoint: emulatorEndpoint(emu, "WorkloadIdentityFederation"),
    systemAccessToken: accessToken,
    variables: {
      "System.OidcRequestUri": emu.pipelinesOidcUrl,
      "Build.BuildId": "4711",
      "Build.DefinitionName": "train",
    },
    env,
    inputs: {
      mode: "rotate",
      vaultUrl: emu.vaultUrl,
      graphUrl: emu.graphUrl,
      authorityHost: emu.authorityHost,
      secrets: p.lines,
    },
  });
  const describe = `exit ${run.exitCode}, ${run.result}\n${run.errors.join("\n")}\n${run.stderr}`;
  assert.equal(run.result, "Succeeded", describe);
  const fresh = await assertRotated(
    p,
    JSON.parse(run.variables.result?.value ?? "[]") as never,
    /^aml-secrets train build 4711$/,
  );
  for (const value of fresh) assert.ok(run.masked.includes(value), "each new credential is masked");
  checkTaskLeaks("rotate azure-pipelines", run, [...p.values, ...fresh, accessToken]);
});

test("CLI: aml-secrets rotate rotates both providers; --dry-run first changes nothing", async () => {
  const p = await prepare();
  const common = [
    ...["--vault-url", emu.vaultUrl, "--auth", "managed-identity"],
    ...["--resource-manager-url", emu.armUrl, "--graph-url", emu.graphUrl],
    ...["--authority-host", emu.authorityHost, "--secrets", p.lines, "--json"],
  ];
  const dry = await runCli(
    ["rotate", ...common, "--dry-run", "--rotate-within", "400d"],
    emu.env(),
  );
  assert.equal(dry.code, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout) as { action: string; note: string }[];
  assert.deepEqual(
    planned.map((r) => [r.action, r.note]),
    [
      [
        "skip",
        "not due: the current version has no expiry (--rotate-within rotates only what expires)",
      ],
      [
        "skip",
        "not due: the current version has no expiry (--rotate-within rotates only what expires)",
      ],
    ],
  );
  assert.equal((await client.getSecret(p.storage.name)).value, p.storage.key1);

  const run = await runCli(["rotate", ...common], emu.env());
  assert.equal(run.code, 0, run.stderr);
  // The CLI names no run: the password is named by the time.
  const fresh = await assertRotated(
    p,
    JSON.parse(run.stdout) as never,
    /^aml-secrets \d{4}-\d\d-\d\dT[\d:.]+Z$/,
  );
  const texts = { stdout: run.stdout, stderr: run.stderr };
  const values = [...p.values, ...fresh];
  assertNoLeaks(texts, values, "none");
  recordScenario("rotate cli", texts, values, "none");
});
