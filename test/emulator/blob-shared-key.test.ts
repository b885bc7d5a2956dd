// The blob endpoint of an emulated storage account answers only requests signed (SharedKey) with
// one of the account's current keys, checked by the Blob service's string-to-sign rules. Proven
// with two real clients that compute the signature on their own: the npm @azure/storage-blob
// (StorageSharedKeyCredential) and Python's azure-storage-blob (Debian's python3-azure). A wrong
// key is refused with 403 AuthenticationFailed, and a key regenerated through ARM stops working
// at once while the other key goes on working. No key reaches a log or an error.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { RestError } from "@azure/core-rest-pipeline";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "../helpers/leaks.ts";
import { auth, miToken, send } from "./wire-client.ts";

const sub = "00000000-0000-0000-0000-00000000c002";
const rg = "rg-blob";
const name = "amlrotateblob1";
const other = "amlrotateblob2";
const accountPath = (account: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${account}`;

let emu: Emulator;
let armToken: string;
const keysSeen: string[] = [];
const texts: Record<string, string> = {};

before(async () => {
  emu = await startEmulator({
    storageAccounts: [
      { subscriptionId: sub, resourceGroup: rg, name },
      { subscriptionId: sub, resourceGroup: rg, name: other },
    ],
  });
  armToken = await miToken(emu, "https://management.azure.com/");
});
after(async () => {
  await emu.stop();
  texts.logs = emu.logs.join("\n");
  assertNoLeaks(texts, keysSeen, "none");
  recordScenario("emulator blob shared key", texts, keysSeen, "none");
});

async function keysOf(account: string, action = "listKeys", keyName?: string): Promise<string[]> {
  const answer = await send(
    `${emu.armUrl}${accountPath(account)}/${action}?api-version=2025-06-01`,
    {
      method: "POST",
      headers: { ...auth(armToken), "content-type": "application/json" },
      ...(keyName ? { body: JSON.stringify({ keyName }) } : {}),
    },
  );
  assert.equal(answer.status, 200);
  const keys = (answer.json.keys as { value: string }[]).map((k) => k.value);
  keysSeen.push(...keys);
  return keys;
}

function jsClient(account: string, key: string): BlobServiceClient {
  return new BlobServiceClient(
    emu.blobEndpoint(account),
    new StorageSharedKeyCredential(account, key),
    { retryOptions: { maxTries: 1 } },
  );
}

/** What the JS client gets: "ok", or the error code of the RestError it throws. */
async function jsTry(account: string, key: string): Promise<string> {
  const client = jsClient(account, key);
  try {
    const names: string[] = [];
    for await (const c of client.listContainers()) names.push(c.name);
    assert.deepEqual(names, []);
    await client.getProperties();
    const info = await client.getAccountInfo();
    assert.equal(info.accountKind, "StorageV2");
    assert.equal(info.skuName, "Standard_LRS");
    return "ok";
  } catch (e: unknown) {
    if (!(e instanceof RestError)) throw e;
    texts[`js error ${Object.keys(texts).length}`] = `${e.message} ${e.code ?? ""}`;
    return `${e.statusCode ?? 0} ${e.code ?? ""}`;
  }
}

const pythonScript = `
import json, sys
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient
ask = json.load(sys.stdin)
client = BlobServiceClient(ask["url"], credential={"account_name": ask["account"], "account_key": ask["key"]}, retry_total=0)
try:
    names = [c.name for c in client.list_containers()]
    assert names == [], names
    client.get_service_properties()
    print("ok")
except HttpResponseError as e:
    print(str(e.status_code) + " " + str(getattr(e.error_code, "value", e.error_code)))
`;

/** What Python's azure-storage-blob gets; the key goes in on stdin, never on a command line. */
function pythonTry(account: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", ["-c", pythonScript], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", REQUESTS_CA_BUNDLE: emu.caFile },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      texts[`python ${Object.keys(texts).length}`] = `${out}\n${err}`;
      if (code !== 0) reject(new Error(`python exited ${code}: ${err.slice(-400)}`));
      else resolve(out.trim());
    });
    child.stdin.end(JSON.stringify({ url: emu.blobEndpoint(account), account, key }));
  });
}

test("@azure/storage-blob with either current key: List Containers, service properties, account info", async () => {
  const [key1 = "", key2 = ""] = await keysOf(name);
  assert.equal(await jsTry(name, key1), "ok");
  assert.equal(await jsTry(name, key2), "ok");
  const blob = emu.requests.filter((r) => r.kind === "blob");
  assert.ok(blob.length >= 6 && blob.every((r) => r.status === 200));
  assert.ok(blob.every((r) => r.path.startsWith(`/blob/${name}`)));
});

test("Python azure-storage-blob signs the same way: either current key is taken", async () => {
  const [key1 = "", key2 = ""] = await keysOf(name);
  assert.equal(await pythonTry(name, key1), "ok");
  assert.equal(await pythonTry(name, key2), "ok");
});

test("a wrong key, or another account's key, is refused: 403 AuthenticationFailed", async () => {
  const wrong = randomBytes(64).toString("base64");
  keysSeen.push(wrong);
  assert.equal(await jsTry(name, wrong), "403 AuthenticationFailed");
  assert.equal(await pythonTry(name, wrong), "403 AuthenticationFailed");
  const [otherKey = ""] = await keysOf(other);
  assert.equal(await jsTry(name, otherKey), "403 AuthenticationFailed");
  // Signed as the other account (whose key it is) but sent to this account's endpoint.
  const crossed = new BlobServiceClient(
    emu.blobEndpoint(name),
    new StorageSharedKeyCredential(other, otherKey),
    { retryOptions: { maxTries: 1 } },
  );
  await assert.rejects(
    () => crossed.getProperties(),
    (e: unknown) => e instanceof RestError && e.statusCode === 403,
  );
});

test("regenerateKey: the old key stops working at once, the new one and the other key work", async () => {
  const [old1 = "", key2 = ""] = await keysOf(name);
  assert.equal(await jsTry(name, old1), "ok");
  const [new1 = "", still2 = ""] = await keysOf(name, "regenerateKey", "key1");
  assert.notEqual(new1, old1);
  assert.equal(still2, key2);
  assert.equal(await jsTry(name, old1), "403 AuthenticationFailed");
  assert.equal(await pythonTry(name, old1), "403 AuthenticationFailed");
  assert.equal(await jsTry(name, new1), "ok");
  assert.equal(await pythonTry(name, new1), "ok");
  assert.equal(await jsTry(name, key2), "ok");
});

test("the refusal is Azure Storage's XML: AuthenticationFailed with the string the server signed", async () => {
  const answer = await send(`${emu.blobEndpoint(name)}?comp=list`, {
    headers: {
      authorization: `SharedKey ${name}:${randomBytes(32).toString("base64")}`,
      "x-ms-date": new Date().toUTCString(),
      "x-ms-version": "2025-11-05",
    },
  });
  assert.equal(answer.status, 403);
  assert.equal(answer.headers["x-ms-error-code"], "AuthenticationFailed");
  assert.match(String(answer.headers["content-type"]), /^application\/xml/);
  assert.match(
    answer.text,
    /<Error><Code>AuthenticationFailed<\/Code><Message>Server failed to authenticate the request\./,
  );
  // The canonicalized resource a client computes for this path-style URL.
  assert.ok(
    answer.text.includes(`x-ms-version:2025-11-05\n/${name}/blob/${name}/\ncomp:list'`),
    JSON.stringify(answer.text),
  );
});

test("no Authorization: 401 NoAuthenticationInformation; a stale date or no version: 403", async () => {
  const anonymous = await send(`${emu.blobEndpoint(name)}?comp=list`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers["x-ms-error-code"], "NoAuthenticationInformation");
  // Whatever the signature, a request dated 20 minutes ago is refused before it is checked.
  const stale = await send(`${emu.blobEndpoint(name)}?comp=list`, {
    headers: {
      authorization: `SharedKey ${name}:${randomBytes(32).toString("base64")}`,
      "x-ms-date": new Date(Date.now() - 20 * 60_000).toUTCString(),
      "x-ms-version": "2025-11-05",
    },
  });
  assert.equal(stale.status, 403);
  assert.match(stale.text, /Request date header too old/);
  const noVersion = await send(`${emu.blobEndpoint(name)}?comp=list`, {
    headers: { authorization: `SharedKey ${name}:abc`, "x-ms-date": new Date().toUTCString() },
  });
  assert.equal(noVersion.status, 403);
});

test("an account the emulator was not told about: 400 InvalidUri", async () => {
  const answer = await send(`${emu.vaultUrl}/blob/nosuchaccount/?comp=list`);
  assert.equal(answer.status, 400);
  assert.equal(answer.headers["x-ms-error-code"], "InvalidUri");
});
