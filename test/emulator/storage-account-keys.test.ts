// The storage accounts the emulator is told about, on its ARM surface as the Storage resource
// provider serves them: GET the account (its blob endpoint), listKeys, regenerateKey (only the
// named key changes; 64 random bytes, base64), ARM's refusals of a missing or unknown
// api-version, and the 404s of an unknown account. No key reaches the emulator's log.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator, storageApiVersions } from "../../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "../helpers/leaks.ts";
import { auth, errorOf, miToken, send } from "./wire-client.ts";

const sub = "00000000-0000-0000-0000-00000000c001";
const rg = "rg-rotate";
const name = "amlrotatekeys1";
const accountPath = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
/** The version the core uses (see storage.ts). */
const version = "2025-06-01";

let emu: Emulator;
let token: string;
const keysSeen: string[] = [];

before(async () => {
  emu = await startEmulator({
    storageAccounts: [{ subscriptionId: sub, resourceGroup: rg, name }],
  });
  token = await miToken(emu, "https://management.azure.com/");
});
after(async () => {
  await emu.stop();
  assertNoLeaks({ logs: emu.logs.join("\n") }, keysSeen, "none");
  recordScenario("emulator storage account keys", { logs: emu.logs.join("\n") }, keysSeen, "none");
});

interface Key {
  keyName: string;
  value: string;
  permissions: string;
  creationTime: string;
}

const arm = (
  path: string,
  method = "GET",
  body?: unknown,
  /** null: no api-version at all. */
  apiVersion: string | null = version,
): ReturnType<typeof send> =>
  send(`${emu.armUrl}${path}${apiVersion === null ? "" : `?api-version=${apiVersion}`}`, {
    method,
    headers: {
      ...auth(token),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function listKeys(): Promise<Key[]> {
  const answer = await arm(`${accountPath}/listKeys`, "POST");
  assert.equal(answer.status, 200);
  const keys = answer.json.keys as Key[];
  keysSeen.push(...keys.map((k) => k.value));
  return keys;
}

test("GET the account: Microsoft.Storage's shape, with its path-style blob endpoint", async () => {
  const answer = await arm(accountPath);
  assert.equal(answer.status, 200);
  assert.equal(answer.json.id, accountPath);
  assert.equal(answer.json.name, name);
  assert.equal(answer.json.type, "Microsoft.Storage/storageAccounts");
  assert.equal(answer.json.kind, "StorageV2");
  const properties = answer.json.properties as Record<string, unknown>;
  assert.deepEqual(properties.primaryEndpoints, { blob: emu.blobEndpoint(name) });
  assert.equal(emu.blobEndpoint(name), `${emu.vaultUrl}/blob/${name}/`);
  assert.equal(properties.provisioningState, "Succeeded");
  const created = properties.keyCreationTime as { key1: string; key2: string };
  assert.ok(!Number.isNaN(Date.parse(created.key1)) && !Number.isNaN(Date.parse(created.key2)));
  assert.ok(!answer.text.includes("value"), "the account never carries its keys");
});

test("listKeys: key1 and key2, each 64 random bytes in base64 (88 characters), FULL", async () => {
  const keys = await listKeys();
  assert.deepEqual(
    keys.map((k) => k.keyName),
    ["key1", "key2"],
  );
  for (const k of keys) {
    assert.match(k.value, /^[A-Za-z0-9+/]{86}==$/);
    assert.equal(Buffer.from(k.value, "base64").length, 64);
    assert.equal(k.permissions, "FULL");
    assert.ok(!Number.isNaN(Date.parse(k.creationTime)));
  }
  assert.notEqual(keys[0]?.value, keys[1]?.value);
  assert.deepEqual(
    (await listKeys()).map((k) => k.value),
    keys.map((k) => k.value),
    "listKeys does not change them",
  );
});

test("regenerateKey {keyName: key1}: a new key1, key2 unchanged, answered like listKeys", async () => {
  const [before1, before2] = await listKeys();
  const answer = await arm(`${accountPath}/regenerateKey`, "POST", { keyName: "key1" });
  assert.equal(answer.status, 200);
  const keys = answer.json.keys as Key[];
  keysSeen.push(...keys.map((k) => k.value));
  assert.deepEqual(
    keys.map((k) => k.keyName),
    ["key1", "key2"],
  );
  assert.notEqual(keys[0]?.value, before1?.value);
  assert.match(keys[0]?.value ?? "", /^[A-Za-z0-9+/]{86}==$/);
  assert.equal(keys[1]?.value, before2?.value);
  assert.deepEqual(
    (await listKeys()).map((k) => k.value),
    keys.map((k) => k.value),
  );
  const account = await arm(accountPath);
  const created = (account.json.properties as { keyCreationTime: { key1: string } })
    .keyCreationTime;
  assert.equal(created.key1, keys[0]?.creationTime);
});

test("regenerateKey with a key name that is not key1 / key2 is a 400, and changes nothing", async () => {
  const keys = await listKeys();
  for (const body of [{ keyName: "key3" }, { keyName: "" }, {}, "not json"]) {
    const answer =
      typeof body === "string"
        ? await send(`${emu.armUrl}${accountPath}/regenerateKey?api-version=${version}`, {
            method: "POST",
            headers: auth(token),
            body,
          })
        : await arm(`${accountPath}/regenerateKey`, "POST", body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(errorOf(answer).code, "InvalidValuesForRequestParameters");
  }
  assert.deepEqual(await listKeys(), keys);
});

test("an unknown account: 404 ResourceNotFound for GET, StorageAccountNotFound for the actions", async () => {
  const other = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/nosuchaccount`;
  const got = await arm(other);
  assert.equal(got.status, 404);
  assert.equal(errorOf(got).code, "ResourceNotFound");
  assert.match(
    errorOf(got).message ?? "",
    /^The Resource 'Microsoft.Storage\/storageAccounts\/nosuchaccount' under resource group 'rg-rotate' was not found/,
  );
  for (const action of ["listKeys", "regenerateKey"]) {
    const answer = await arm(`${other}/${action}`, "POST", { keyName: "key1" });
    assert.equal(answer.status, 404, action);
    assert.equal(errorOf(answer).code, "StorageAccountNotFound");
  }
  const group = await arm(
    `/subscriptions/${sub}/resourceGroups/rg-none/providers/Microsoft.Storage/storageAccounts/${name}/listKeys`,
    "POST",
  );
  assert.equal(group.status, 404);
  assert.equal(errorOf(group).code, "ResourceGroupNotFound");
  const subscription = await arm(
    `/subscriptions/00000000-0000-0000-0000-00000000ffff/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`,
  );
  assert.equal(subscription.status, 404);
  assert.equal(errorOf(subscription).code, "SubscriptionNotFound");
});

test("api-versions: refused when missing or unknown, as ARM does; every served one answers", async () => {
  const missing = await arm(`${accountPath}/listKeys`, "POST", undefined, null);
  assert.equal(missing.status, 400);
  assert.equal(errorOf(missing).code, "MissingApiVersionParameter");
  for (const unknown of ["2024-06-01", "2099-01-01", "7.4"]) {
    const answer = await arm(`${accountPath}/listKeys`, "POST", undefined, unknown);
    assert.equal(answer.status, 400, unknown);
    assert.deepEqual(answer.json, {
      error: {
        code: "NoRegisteredProviderFound",
        message: `No registered resource provider found for location 'westeurope' and API version '${unknown}' for type 'storageAccounts'. The supported api-versions are '${storageApiVersions.join(", ")}'. The supported locations are 'westeurope'.`,
      },
    });
  }
  assert.ok(storageApiVersions.includes(version));
  for (const v of ["2025-06-01", "2025-08-01", "2026-09-01", "2023-01-01"]) {
    assert.equal((await arm(accountPath, "GET", undefined, v)).status, 200, v);
  }
});

test("methods and tokens: listKeys is a POST; ARM wants a token for ARM", async () => {
  const wrongMethod = await arm(`${accountPath}/listKeys`, "GET");
  assert.equal(wrongMethod.status, 405);
  const noToken = await send(`${emu.armUrl}${accountPath}/listKeys?api-version=${version}`, {
    method: "POST",
  });
  assert.equal(noToken.status, 401);
  const vaultToken = await miToken(emu, "https://vault.azure.net");
  const wrongAudience = await send(`${emu.armUrl}${accountPath}/listKeys?api-version=${version}`, {
    method: "POST",
    headers: auth(vaultToken),
  });
  assert.equal(wrongAudience.status, 401);
  assert.equal(errorOf(wrongAudience).code, "InvalidAuthenticationToken");
});

test("accounts added after start are served; a name must be Azure's shape", async () => {
  emu.addStorageAccount({ subscriptionId: sub, resourceGroup: "rg-later", name: "amlrotatelater" });
  const answer = await arm(
    `/subscriptions/${sub}/resourceGroups/rg-later/providers/Microsoft.Storage/storageAccounts/amlrotatelater/listKeys`,
    "POST",
  );
  assert.equal(answer.status, 200);
  keysSeen.push(...(answer.json.keys as Key[]).map((k) => k.value));
  assert.throws(() =>
    emu.addStorageAccount({ subscriptionId: sub, resourceGroup: rg, name: "Bad_Name" }),
  );
});
