// Microsoft Graph `applications` at the emulator's /graph prefix, for the applications it is told
// about: read by object id and by appId, addPassword (the secret shown once, in that answer
// only), removePassword (204), Graph's error bodies, and a token for Microsoft Graph required.
// No secret reaches the emulator's log or a later read.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "../helpers/leaks.ts";
import { auth, errorOf, miToken, send } from "./wire-client.ts";

const appId = "33333333-4444-5555-6666-777777777777";
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let emu: Emulator;
let token: string;
let objectId: string;
const secrets: string[] = [];
const texts: Record<string, string> = {};

before(async () => {
  emu = await startEmulator({ applications: [appId] });
  objectId = emu.addApplication(appId);
  token = await miToken(emu, "https://graph.microsoft.com");
});
after(async () => {
  await emu.stop();
  texts.logs = emu.logs.join("\n");
  assertNoLeaks(texts, secrets, "none");
  recordScenario("emulator graph applications", texts, secrets, "none");
});

interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretText: string | null;
  startDateTime: string;
  endDateTime: string;
  customKeyIdentifier: null;
}

const graph = (
  path: string,
  method = "GET",
  body?: unknown,
  bearer: string | undefined = token,
): ReturnType<typeof send> =>
  send(`${emu.graphUrl}/v1.0/${path}`, {
    method,
    headers: {
      ...(bearer ? auth(bearer) : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function read(path: string): Promise<PasswordCredential[]> {
  const answer = await graph(path);
  assert.equal(answer.status, 200);
  texts[`read ${Object.keys(texts).length}`] = answer.text;
  return answer.json.passwordCredentials as PasswordCredential[];
}

test("GET by object id and by appId: the same application, object id stable and not the client id", async () => {
  assert.match(objectId, guid);
  assert.notEqual(objectId, appId);
  const again = await startEmulator({ applications: [appId] });
  try {
    assert.equal(again.addApplication(appId), objectId, "derived from the client id");
  } finally {
    await again.stop();
  }
  const byId = await graph(`applications/${objectId}`);
  const byAppId = await graph(`applications(appId='${appId}')`);
  assert.equal(byId.status, 200);
  assert.deepEqual(byAppId.json, byId.json);
  assert.equal(byId.json.id, objectId);
  assert.equal(byId.json.appId, appId);
  assert.deepEqual(byId.json.passwordCredentials, []);
  assert.equal(byId.json["@odata.context"], `${emu.graphUrl}/v1.0/$metadata#applications/$entity`);
  assert.equal(emu.graphUrl, `${emu.vaultUrl}/graph`);
});

test("addPassword: 200 with secretText once; reads list keyId, hint and dates, never the secret", async () => {
  const end = new Date(Date.now() + 30 * 24 * 3600_000);
  const answer = await graph(`applications/${objectId}/addPassword`, "POST", {
    passwordCredential: { displayName: "rotated by aml-secrets", endDateTime: end.toISOString() },
  });
  assert.equal(answer.status, 200);
  const added = answer.json as unknown as PasswordCredential;
  const secret = added.secretText ?? "";
  secrets.push(secret);
  assert.match(secret, /^[A-Za-z0-9~._-]{3}8Q~[A-Za-z0-9~._-]{34}$/);
  assert.equal(added.hint, secret.slice(0, 3));
  assert.match(added.keyId, guid);
  assert.equal(added.displayName, "rotated by aml-secrets");
  assert.equal(added.endDateTime, end.toISOString());
  assert.ok(Date.parse(added.startDateTime) <= Date.now());
  for (const path of [`applications/${objectId}`, `applications(appId='${appId}')`]) {
    const listed = await read(path);
    const found = listed.find((p) => p.keyId === added.keyId);
    const { "@odata.context": context, ...fields } = answer.json;
    assert.equal(context, `${emu.graphUrl}/v1.0/$metadata#microsoft.graph.passwordCredential`);
    assert.deepEqual(found, { ...fields, secretText: null });
  }
  // By the alternate key too; with no endDateTime Graph gives two years.
  const second = await graph(`applications(appId='${appId}')/addPassword`, "POST", {
    passwordCredential: { displayName: "second" },
  });
  assert.equal(second.status, 200);
  const secondPassword = second.json as unknown as PasswordCredential;
  secrets.push(secondPassword.secretText ?? "");
  const years =
    (Date.parse(secondPassword.endDateTime) - Date.parse(secondPassword.startDateTime)) /
    (365 * 24 * 3600_000);
  assert.equal(Math.round(years), 2);
  assert.equal((await read(`applications/${objectId}`)).length, 2);
});

test("removePassword {keyId}: 204, gone from reads; an unknown keyId is a 400", async () => {
  const added = (
    await graph(`applications/${objectId}/addPassword`, "POST", {
      passwordCredential: { displayName: "to remove" },
    })
  ).json as unknown as PasswordCredential;
  secrets.push(added.secretText ?? "");
  const removed = await graph(`applications/${objectId}/removePassword`, "POST", {
    keyId: added.keyId,
  });
  assert.equal(removed.status, 204);
  assert.equal(removed.text, "");
  assert.ok(!(await read(`applications/${objectId}`)).some((p) => p.keyId === added.keyId));
  const again = await graph(`applications/${objectId}/removePassword`, "POST", {
    keyId: added.keyId,
  });
  assert.equal(again.status, 400);
  assert.equal(errorOf(again).code, "Request_BadRequest");
});

test("Graph's errors: unknown application 404 Request_ResourceNotFound; bad body 400", async () => {
  for (const path of [
    "applications/00000000-0000-0000-0000-000000000000",
    "applications(appId='00000000-0000-0000-0000-000000000000')",
  ]) {
    const answer = await graph(path);
    assert.equal(answer.status, 404, path);
    const error = answer.json.error as { code: string; message: string; innerError: object };
    assert.equal(error.code, "Request_ResourceNotFound");
    assert.match(
      error.message,
      /does not exist or one of its queried reference-property objects are not present/,
    );
    assert.ok(error.innerError);
  }
  const missing = await graph(
    "applications/00000000-0000-0000-0000-000000000000/addPassword",
    "POST",
    { passwordCredential: {} },
  );
  assert.equal(missing.status, 404);
  const badDate = await graph(`applications/${objectId}/addPassword`, "POST", {
    passwordCredential: { endDateTime: "not a date" },
  });
  assert.equal(badDate.status, 400);
  const noBody = await send(`${emu.graphUrl}/v1.0/applications/${objectId}/addPassword`, {
    method: "POST",
    headers: auth(token),
  });
  assert.equal(noBody.status, 400);
  const wrongMethod = await graph(`applications/${objectId}/addPassword`, "GET");
  assert.equal(wrongMethod.status, 405);
});

test("a token for Microsoft Graph is required: none, or one for another resource, is a 401", async () => {
  const none = await graph(`applications/${objectId}`, "GET", undefined, "");
  assert.equal(none.status, 401);
  assert.equal(errorOf(none).code, "InvalidAuthenticationToken");
  const vault = await graph(
    `applications/${objectId}`,
    "GET",
    undefined,
    await miToken(emu, "https://vault.azure.net"),
  );
  assert.equal(vault.status, 401);
  assert.equal(errorOf(vault).code, "InvalidAuthenticationToken");
  const forged = await graph(`applications/${objectId}`, "GET", undefined, "a.b.c");
  assert.equal(forged.status, 401);
  assert.ok(emu.requests.some((r) => r.kind === "graph" && r.status === 401));
});
