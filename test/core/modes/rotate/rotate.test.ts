// Rotate mode through the core against the emulator: each provider rotates its credential at
// the source, tests it, stores it as a new version with the samples' tags swapped, and only
// then retires what readers no longer hold; `rotate-within` and the dry run touch nothing that
// is not due; a failure injected between each two steps (ARM, the blob endpoint, Graph, the
// token endpoint, the vault's write) leaves the vault's current version a working credential,
// and no value reaches a log, an output or the summary.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { InputName } from "../../../../src/core/platform.ts";
import { run, type RunOutcome } from "../../../../src/core/run.ts";
import { clouds } from "../../../../src/core/vault/clouds.ts";
import { startEmulator, type Emulator } from "../../../../src/emulator/index.ts";
import {
  emulatorManagedIdentity,
  emulatorSecretClient,
  uniqueName,
} from "../../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario } from "../../../helpers/leaks.ts";
import { MemoryPlatform } from "../../../helpers/memory-platform.ts";
import {
  accountId,
  addGraphPassword,
  faultyTransport,
  graphPasswords,
  passwordWorks,
  storageKeys,
  storageKeyWorks,
} from "../../../helpers/rotation-sources.ts";

const sub = "00000000-0000-0000-0000-00000000a001";
const rg = "rg-rotate-core";
const day = 86_400_000;

let emu: Emulator;
let client: SecretClient;
/** Every credential value seen: none may show up in any text the platform got. */
const values: string[] = [];

before(async () => {
  emu = await startEmulator();
  client = await emulatorSecretClient(emu);
});
after(async () => {
  await emu.stop();
});

interface Rotated {
  outcome: RunOutcome;
  platform: MemoryPlatform;
  rows: Record<string, unknown>[];
}

async function rotate(
  scenario: string,
  inputs: Partial<Record<InputName, string>>,
  httpClient?: HttpClient,
): Promise<Rotated> {
  const credential = await emulatorManagedIdentity();
  const platform = new MemoryPlatform({
    inputs: {
      mode: "rotate",
      "vault-url": emu.vaultUrl,
      "graph-url": emu.graphUrl,
      "authority-host": emu.authorityHost,
      ...inputs,
    },
    connect: () => ({
      credential,
      cloud: clouds.AzureCloud!,
      resourceManagerUrl: emu.armUrl,
      describe: "the emulator's managed identity",
      hint: "check the emulator's managed identity",
      ...(httpClient ? { httpClient } : {}),
    }),
  });
  const outcome = await run(platform);
  // What the run masked is every credential it received: none may appear anywhere else.
  values.push(...platform.masks());
  assertNoLeaks(platform.texts(), values, "none");
  recordScenario(`core-rotate-${scenario}`, platform.texts(), values, "none");
  const rows = JSON.parse(platform.output("result") ?? "[]") as Record<string, unknown>[];
  return { outcome, platform, rows };
}

/** A storage account of its own and a secret holding key1, tagged as the samples tag it. */
async function storageSecret(
  tags: Record<string, string> = {},
  expiresOn?: Date,
): Promise<{ name: string; account: string; id: string; key1: string }> {
  const account = `acct${Math.random().toString(36).slice(2, 12)}`;
  emu.addStorageAccount({ subscriptionId: sub, resourceGroup: rg, name: account });
  const id = accountId(sub, rg, account);
  const { key1, key2 } = await storageKeys(emu, id);
  values.push(key1, key2);
  const name = uniqueName("stkey");
  await client.setSecret(name, key1, {
    tags: { CredentialId: "key1", ProviderAddress: id, ValidityPeriodDays: "60", ...tags },
    ...(expiresOn ? { expiresOn } : {}),
  });
  return { name, account, id, key1 };
}

async function latest(
  name: string,
): Promise<{ value: string; tags: Record<string, string>; version: string; expires?: Date }> {
  const secret = await client.getSecret(name);
  return {
    value: secret.value ?? "",
    tags: { ...secret.properties.tags },
    version: secret.properties.version ?? "",
    ...(secret.properties.expiresOn ? { expires: secret.properties.expiresOn } : {}),
  };
}

test("storage-account: the other key is regenerated, tested, stored with the tags swapped; the old key still works", async () => {
  const s = await storageSecret();
  const before = await latest(s.name);
  const started = Date.now();
  const { outcome, rows, platform } = await rotate("storage", {
    secrets: `${s.name}: storage-account`,
  });
  assert.equal(outcome.status, "ok", JSON.stringify(rows));
  const now = await latest(s.name);
  const keys = await storageKeys(emu, s.id);
  values.push(keys.key2);
  assert.equal(now.value, keys.key2, "the vault holds the regenerated key2");
  assert.notEqual(now.version, before.version);
  assert.equal(keys.key1, s.key1, "key1, which readers held, is untouched");
  assert.deepEqual(now.tags, {
    CredentialId: "key2",
    ProviderAddress: s.id,
    ValidityPeriodDays: "60",
  });
  const expires = now.expires?.getTime() ?? 0;
  assert.ok(
    Math.abs(expires - (started + 60 * day)) < 60_000,
    "expires = now + ValidityPeriodDays",
  );
  assert.ok(await storageKeyWorks(emu, s.account, now.value), "the new version authenticates");
  assert.ok(await storageKeyWorks(emu, s.account, before.value), "the old version still does");
  assert.ok(platform.masks().includes(keys.key2), "the new key was masked");
  assert.equal(rows[0]?.action, "rotated");
  assert.deepEqual(rows[0]?.rotation, {
    provider: "storage-account",
    credential: "key2",
    expires: now.expires?.toISOString(),
  });
  assert.equal(rows[0]?.version, now.version);
  assert.equal(platform.output("changed"), "1");

  // The next rotation regenerates key1, which nobody reads any more.
  await rotate("storage-again", { secrets: `${s.name}: storage-account` });
  const third = await latest(s.name);
  const after = await storageKeys(emu, s.id);
  values.push(after.key1);
  assert.equal(third.value, after.key1);
  assert.equal(third.tags.CredentialId, "key1");
  assert.equal(after.key2, keys.key2, "key2, which readers held, is untouched");
});

test("rotate-within: only what expires within the window; the dry run changes nothing and says why", async () => {
  const due = await storageSecret({}, new Date(Date.now() + 10 * day));
  const later = await storageSecret({}, new Date(Date.now() + 100 * day));
  const keysBefore = await storageKeys(emu, due.id);
  const secrets = `${due.name}: storage-account\n${later.name}: storage-account`;
  const dry = await rotate("dry-run", { secrets, "rotate-within": "30d", "dry-run": "true" });
  assert.equal(dry.outcome.status, "ok");
  assert.equal(dry.rows[0]?.action, "rotate");
  assert.match(String(dry.rows[0]?.note), /^expires \d{4}-\d\d-\d\d, within rotate-within$/);
  assert.deepEqual(dry.rows[0]?.rotation, { provider: "storage-account", credential: "key2" });
  assert.equal(dry.rows[1]?.action, "skip");
  assert.match(String(dry.rows[1]?.note), /^not due: expires/);
  assert.deepEqual(await storageKeys(emu, due.id), keysBefore, "the dry run regenerated nothing");
  assert.equal((await latest(due.name)).value, due.key1);

  const real = await rotate("within", { secrets, "rotate-within": "30d" });
  assert.deepEqual(
    real.rows.map((r) => r.action),
    ["rotated", "skipped"],
  );
  assert.equal((await latest(later.name)).value, later.key1, "the one not due is untouched");
  assert.equal(real.platform.output("changed"), "1");
});

/** After a failure: nothing stored, and the vault's current version still authenticates. */
async function assertReadersUnaffected(s: {
  name: string;
  account: string;
  key1: string;
}): Promise<void> {
  const now = await latest(s.name);
  assert.equal(now.value, s.key1, "the vault still holds the key readers use");
  assert.equal(now.tags.CredentialId, "key1");
  assert.ok(await storageKeyWorks(emu, s.account, now.value), "and it still authenticates");
}

test("storage-account: the blob endpoint refusing the new key: nothing stored, readers keep key1", async () => {
  const s = await storageSecret();
  const transport = faultyTransport({
    when: (r) => r.url.includes("/blob/"),
    status: 403,
    body: {},
    headers: { "x-ms-error-code": "AuthenticationFailed" },
  });
  const { outcome, rows } = await rotate(
    "blob-refuses",
    { secrets: `${s.name}: storage-account` },
    transport,
  );
  assert.equal(outcome.status, "failed");
  assert.ok(transport.hits > 0);
  assert.equal(rows[0]?.action, "failed");
  assert.match(
    String(rows[0]?.error),
    /nothing was stored: the regenerated key2 of storage account \w+ failed its test: the blob endpoint .* refused a request signed with it \(403 AuthenticationFailed\); readers keep key1/,
  );
  await assertReadersUnaffected(s);
});

test("storage-account: ARM refusing regenerateKey: nothing changed", async () => {
  const s = await storageSecret();
  const transport = faultyTransport({
    when: (r) => r.url.includes("/regenerateKey"),
    status: 403,
    body: {
      error: {
        code: "AuthorizationFailed",
        message:
          "The client does not have authorization to perform action 'Microsoft.Storage/storageAccounts/regenerateKey/action'.",
      },
    },
  });
  const { rows } = await rotate(
    "arm-refuses",
    { secrets: `${s.name}: storage-account` },
    transport,
  );
  assert.match(
    String(rows[0]?.error),
    /nothing was stored: regenerating key2 of storage account \w+: ARM answered 403 AuthorizationFailed/,
  );
  await assertReadersUnaffected(s);
});

test("storage-account: the vault refusing the store: the step says loudly which key changed; readers keep key1", async () => {
  const s = await storageSecret();
  const transport = faultyTransport({
    when: (r) => r.method === "PUT" && r.url.includes(`/secrets/${s.name}`),
    status: 403,
    body: {
      error: {
        code: "Forbidden",
        message: "Operation set is not permitted",
        innererror: { code: "ForbiddenByRbac" },
      },
    },
  });
  const { rows, platform } = await rotate(
    "store-refused",
    { secrets: `${s.name}: storage-account` },
    transport,
  );
  const error = String(rows[0]?.error);
  assert.match(
    error,
    /^STORAGE KEY CHANGED BUT NOT STORED: key2 of storage account \w+ was regenerated and tested, but storing it as a new version of secret/,
  );
  assert.match(error, /Its new value was not stored or printed anywhere; readers keep key1/);
  assert.ok(
    platform.lines().some((l) => l.startsWith("STORAGE KEY CHANGED BUT NOT STORED")),
    "said as an error line too",
  );
  await assertReadersUnaffected(s);
});

test("storage-account: no tags and no options: the entry fails before anything is sent to ARM", async () => {
  const name = uniqueName("untagged");
  await client.setSecret(name, "x-not-a-key");
  values.push("x-not-a-key");
  const { rows } = await rotate("untagged", { secrets: `${name}: storage-account` });
  assert.match(
    String(rows[0]?.error),
    /nothing was changed: no ProviderAddress .*; no CredentialId/,
  );
});

/** An application with a password readers hold (added by an earlier aml-secrets), and its secret. */
async function entraSecret(): Promise<{
  name: string;
  appId: string;
  objectId: string;
  held: { keyId: string; secret: string };
}> {
  const appId = crypto.randomUUID();
  const objectId = emu.addApplication(appId);
  const held = await addGraphPassword(emu, appId, "aml-secrets 1");
  values.push(held.secret);
  const name = uniqueName("appsecret");
  await client.setSecret(name, held.secret, {
    tags: { CredentialId: held.keyId, ProviderAddress: objectId },
  });
  return { name, appId, objectId, held };
}

test("entra-application: a new password is added, tested, stored; ours before the one readers hold are removed", async () => {
  const e = await entraSecret();
  const someoneElses = await addGraphPassword(emu, e.appId, "deploy key");
  values.push(someoneElses.secret);
  const older = await addGraphPassword(emu, e.appId, "aml-secrets 0");
  values.push(older.secret);
  const first = await rotate("entra", { secrets: `${e.name}: entra-application` });
  assert.equal(first.outcome.status, "ok", JSON.stringify(first.rows));
  const v1 = await latest(e.name);
  assert.ok(await passwordWorks(emu, e.appId, v1.value), "the new version signs in");
  assert.ok(await passwordWorks(emu, e.appId, e.held.secret), "the one readers held still does");
  assert.ok(first.platform.masks().includes(v1.value));
  const ids = (await graphPasswords(emu, e.appId)).map((p) => p.keyId);
  assert.ok(!ids.includes(older.keyId), "an older aml-secrets password is removed");
  assert.ok(ids.includes(someoneElses.keyId), "a password someone else added is never touched");
  assert.equal(
    v1.tags.CredentialId,
    first.rows[0] && (first.rows[0].rotation as { credential: string }).credential,
  );
  assert.equal(v1.tags.ProviderAddress, e.objectId);
  const name = (await graphPasswords(emu, e.appId)).find(
    (p) => p.keyId === v1.tags.CredentialId,
  )?.displayName;
  assert.match(String(name), /^aml-secrets /);

  const second = await rotate("entra-again", { secrets: `${e.name}: entra-application` });
  assert.equal(second.outcome.status, "ok");
  const v2 = await latest(e.name);
  assert.ok(await passwordWorks(emu, e.appId, v2.value));
  assert.ok(await passwordWorks(emu, e.appId, v1.value), "the previous version still signs in");
  assert.ok(!(await passwordWorks(emu, e.appId, e.held.secret)), "the one before it is removed");
  const ours = (await graphPasswords(emu, e.appId)).filter((p) =>
    p.displayName?.startsWith("aml-secrets"),
  );
  assert.equal(ours.length, 2, "exactly two of ours stay valid");
});

async function assertEntraReadersUnaffected(
  e: { name: string; appId: string; held: { secret: string } },
  passwordsBefore: number,
): Promise<void> {
  const now = await latest(e.name);
  assert.equal(now.value, e.held.secret, "the vault still holds the password readers use");
  assert.ok(await passwordWorks(emu, e.appId, now.value), "and it still signs in");
  assert.equal(
    (await graphPasswords(emu, e.appId)).length,
    passwordsBefore,
    "the new password was removed again",
  );
}

test("entra-application: the new password failing its test: removed again, nothing stored", async () => {
  const e = await entraSecret();
  const transport = faultyTransport({
    when: (r) => r.url.includes("/oauth2/v2.0/token"),
    status: 400,
    body: {
      error: "unauthorized_client",
      error_description: "AADSTS700016: Application not found in the directory.",
      error_codes: [700016],
    },
  });
  const { rows } = await rotate(
    "entra-test-fails",
    { secrets: `${e.name}: entra-application` },
    transport,
  );
  assert.match(
    String(rows[0]?.error),
    /nothing was stored: the new password of application [\w-]+ failed its test: .*AADSTS700016.*; the new password [\w-]+ was removed again/,
  );
  await assertEntraReadersUnaffected(e, 1);
});

test("entra-application: Graph failing addPassword: nothing changed", async () => {
  const e = await entraSecret();
  const transport = faultyTransport({
    when: (r) => r.url.endsWith("/addPassword"),
    status: 403,
    body: {
      error: {
        code: "Authorization_RequestDenied",
        message: "Insufficient privileges to complete the operation.",
      },
    },
  });
  const { rows } = await rotate(
    "graph-refuses",
    { secrets: `${e.name}: entra-application` },
    transport,
  );
  assert.match(
    String(rows[0]?.error),
    /nothing was stored: adding a password to application [\w-]+: Microsoft Graph answered 403 Authorization_RequestDenied/,
  );
  await assertEntraReadersUnaffected(e, 1);
});

test("entra-application: the vault refusing the store: said loudly, the new password removed again", async () => {
  const e = await entraSecret();
  const transport = faultyTransport({
    when: (r) => r.method === "PUT" && r.url.includes(`/secrets/${e.name}`),
    status: 403,
    body: {
      error: {
        code: "Forbidden",
        message: "Operation set is not permitted",
        innererror: { code: "ForbiddenByRbac" },
      },
    },
  });
  const { rows } = await rotate(
    "entra-store-refused",
    { secrets: `${e.name}: entra-application` },
    transport,
  );
  assert.match(
    String(rows[0]?.error),
    /^CLIENT SECRET ADDED BUT NOT STORED: a new password [\w-]+ of application [\w-]+ was added and tested, but storing it/,
  );
  await assertEntraReadersUnaffected(e, 1);
});

test("generate: a fresh value stored and handed on masked; the tags kept", async () => {
  const name = uniqueName("gen");
  await client.setSecret(name, "old-generated-value", { tags: { team: "ml" } });
  values.push("old-generated-value");
  const { rows, platform } = await rotate("generate", {
    secrets: `${name}: generate Length=40`,
    validity: "10d",
  });
  const now = await latest(name);
  assert.equal(now.value.length, 40);
  assert.deepEqual(now.tags, { team: "ml" });
  assert.equal(rows[0]?.action, "rotated");
  const output = platform.events.find((ev) => ev.kind === "output" && ev.secret);
  assert.ok(output?.kind === "output" && output.value === now.value);
  assert.ok(platform.masks().includes(now.value));
});

test("bad lines: every problem at once, nothing sent", async () => {
  const before = emu.requests.length;
  const { outcome, platform } = await rotate("bad-lines", {
    secrets:
      "a: storage-acount\nb\nc: generate Length=3\nd: storage-account CredentialId=key1 Foo=1\na: generate",
    "rotate-within": "soon",
  });
  assert.equal(outcome.status, "invalid");
  const failure = platform.failures().join("\n");
  assert.match(failure, /secrets line 1: `storage-acount` is not a provider/);
  assert.match(failure, /secrets line 2: write `vault-name: PROVIDER`/);
  assert.match(failure, /secrets line 3: Length `3` must be a whole number from 16 to 4096/);
  assert.match(failure, /secrets line 4: `Foo=1` is not an option of storage-account/);
  assert.match(failure, /input rotate-within `soon` is not a duration/);
  assert.equal(emu.requests.slice(before).filter((r) => r.kind !== "token").length, 0);
});

test("tags the vault would refuse (more than 15) fail the entry before the key is regenerated", async () => {
  const extra = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`t${i}`, "x"]));
  const s = await storageSecret();
  // 15 tags, none of them ValidityPeriodDays, which the line then asks for: 16.
  const tags = { ...extra, CredentialId: "key1", ProviderAddress: s.id };
  await client.setSecret(s.name, s.key1, { tags });
  const keysBefore = await storageKeys(emu, s.id);
  const { rows } = await rotate("too-many-tags", {
    secrets: `${s.name}: storage-account ValidityPeriodDays=30`,
  });
  assert.match(
    String(rows[0]?.error),
    /^nothing was changed: the new version would carry 16 tags \(Key Vault allows at most 15\)/,
  );
  assert.deepEqual(await storageKeys(emu, s.id), keysBefore, "no key was regenerated");
});

test("storage-account, a secret the vault does not hold: CredentialId must say which key readers hold", async () => {
  const account = `acct${Math.random().toString(36).slice(2, 12)}`;
  emu.addStorageAccount({ subscriptionId: sub, resourceGroup: rg, name: account });
  const id = accountId(sub, rg, account);
  const keysBefore = await storageKeys(emu, id);
  values.push(keysBefore.key1, keysBefore.key2);
  const name = uniqueName("new-key");
  const { rows } = await rotate("new-storage-secret", {
    secrets: `${name}: storage-account ProviderAddress=${id}`,
  });
  assert.match(String(rows[0]?.error), /no CredentialId/);
  assert.deepEqual(
    await storageKeys(emu, id),
    keysBefore,
    "a key someone may use is not regenerated",
  );
  const given = await rotate("new-storage-secret-given", {
    secrets: `${name}: storage-account ProviderAddress=${id} CredentialId=key2`,
  });
  assert.equal(given.rows[0]?.action, "rotated");
  const keys = await storageKeys(emu, id);
  values.push(keys.key1);
  assert.equal((await latest(name)).value, keys.key1, "key1 regenerated, key2 (held) kept");
  assert.equal(keys.key2, keysBefore.key2);
});

test("entra-application, a secret the vault does not hold: created, and none of the older passwords removed", async () => {
  const appId = crypto.randomUUID();
  const objectId = emu.addApplication(appId);
  const older = await addGraphPassword(emu, appId, "aml-secrets earlier");
  values.push(older.secret);
  const name = uniqueName("new-app");
  const { rows } = await rotate("new-entra-secret", {
    secrets: `${name}: entra-application ProviderAddress=${objectId}`,
  });
  assert.equal(rows[0]?.action, "rotated", JSON.stringify(rows));
  assert.equal(rows[0]?.note, "not in the vault yet");
  assert.ok(await passwordWorks(emu, appId, (await latest(name)).value));
  assert.ok(await passwordWorks(emu, appId, older.secret), "whoever used it still can");
});

test("storage-account: ARM refusing listKeys after the regenerate: nothing stored, readers keep key1", async () => {
  const s = await storageSecret();
  const transport = faultyTransport({
    when: (r) => r.url.includes("/listKeys"),
    status: 403,
    body: { error: { code: "AuthorizationFailed", message: "No listKeys for you." } },
  });
  const { rows } = await rotate(
    "listkeys-refused",
    { secrets: `${s.name}: storage-account` },
    transport,
  );
  assert.match(
    String(rows[0]?.error),
    /nothing was stored: the regenerated key2 of storage account \w+ failed its test: listing the keys of storage account \w+: ARM answered 403 AuthorizationFailed/,
  );
  await assertReadersUnaffected(s);
});

test("entra-application: removing the older passwords fails: the new version is stored and said so", async () => {
  const e = await entraSecret();
  const older = await addGraphPassword(emu, e.appId, "aml-secrets 0");
  values.push(older.secret);
  const transport = faultyTransport({
    when: (r) => r.url.endsWith("/removePassword"),
    status: 403,
    body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges." } },
  });
  const { rows } = await rotate(
    "cleanup-refused",
    { secrets: `${e.name}: entra-application` },
    transport,
  );
  const now = await latest(e.name);
  assert.equal(rows[0]?.action, "failed");
  assert.equal(rows[0]?.version, now.version, "the row names the version that was stored");
  assert.match(
    String(rows[0]?.error),
    /^the new password was stored as version \w+, but 1 of 1 older aml-secrets passwords of application [\w-]+ could not be removed/,
  );
  assert.ok(await passwordWorks(emu, e.appId, now.value), "the new version signs in");
  assert.ok(await passwordWorks(emu, e.appId, e.held.secret), "the one readers held still does");
});

test("a ValidityPeriodDays tag that is not a number of days fails the entry; nothing changes", async () => {
  const s = await storageSecret({ ValidityPeriodDays: "ninety" });
  const keysBefore = await storageKeys(emu, s.id);
  const { rows } = await rotate("bad-validity-tag", { secrets: `${s.name}: storage-account` });
  assert.match(
    String(rows[0]?.error),
    /^nothing was changed: ValidityPeriodDays `ninety` must be a whole number of days from 1 to 730/,
  );
  assert.deepEqual(await storageKeys(emu, s.id), keysBefore);
});
