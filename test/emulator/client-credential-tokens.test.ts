// For a client id registered as an application (--application), the emulator's Entra stand-in
// issues a client-credential token only for a live password of it: one added through Graph, not
// removed, between its start and its end. Otherwise it answers as Entra does (401 invalid_client,
// AADSTS7000215 / AADSTS7000222). Proven with the real ClientSecretCredential of @azure/identity;
// a client id that is not registered keeps today's behaviour. No secret reaches a log or an error.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { emulatorClientSecret, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";
import { auth, miToken, send } from "./wire-client.ts";

const appId = "44444444-5555-6666-7777-888888888888";
const vaultScope = "https://vault.azure.net/.default";

let emu: Emulator;
let graphToken: string;
const secrets: string[] = [];
const texts: Record<string, string> = {};

before(async () => {
  emu = await startEmulator({ applications: [appId] });
  graphToken = await miToken(emu, "https://graph.microsoft.com");
});
after(async () => {
  await emu.stop();
  texts.logs = emu.logs.join("\n");
  assertNoLeaks(texts, secrets, "none");
  recordScenario("emulator client-credential tokens", texts, secrets, "none");
});

/** A password added through Graph: its secret and keyId. */
async function addPassword(
  passwordCredential: Record<string, string> = {},
): Promise<{ secret: string; keyId: string }> {
  const answer = await send(`${emu.graphUrl}/v1.0/applications(appId='${appId}')/addPassword`, {
    method: "POST",
    headers: { ...auth(graphToken), "content-type": "application/json" },
    body: JSON.stringify({ passwordCredential }),
  });
  assert.equal(answer.status, 200);
  const secret = String(answer.json.secretText);
  secrets.push(secret);
  return { secret, keyId: String(answer.json.keyId) };
}

/** A fresh real credential (its own MSAL cache) for the registered application. */
function credential(secret: string): ClientSecretCredential {
  return new ClientSecretCredential(emu.tenantId, appId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The message the credential fails with (recorded for the leak check). */
async function refusal(secret: string): Promise<string> {
  try {
    await credential(secret).getToken(vaultScope);
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    texts[`error ${Object.keys(texts).length}`] = message;
    return message;
  }
  assert.fail("the credential got a token");
}

test("a password added through Graph signs the application in, and its token reads the vault", async () => {
  const { secret } = await addPassword({ displayName: "live" });
  const cred = credential(secret);
  const token = await cred.getToken(vaultScope);
  assert.ok(token.token);
  const client = new SecretClient(emu.vaultUrl, cred, {
    disableChallengeResourceVerification: true,
  });
  const name = uniqueName("rot");
  const value = secretValue("rot");
  secrets.push(value);
  await client.setSecret(name, value);
  assert.equal((await client.getSecret(name)).value, value);
});

test("a wrong secret: 401 invalid_client, AADSTS7000215", async () => {
  await addPassword();
  const wrong = secretValue("wrong");
  secrets.push(wrong);
  assert.match(await refusal(wrong), /AADSTS7000215: Invalid client secret provided/);
  const answer = await send(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: appId,
      client_secret: wrong,
      scope: vaultScope,
    }).toString(),
  });
  assert.equal(answer.status, 401);
  assert.equal(answer.json.error, "invalid_client");
  assert.deepEqual(answer.json.error_codes, [7000215]);
});

test("a removed password stops signing in at once; the others go on", async () => {
  const kept = await addPassword({ displayName: "kept" });
  const removed = await addPassword({ displayName: "removed" });
  assert.ok((await credential(removed.secret).getToken(vaultScope)).token);
  const answer = await send(`${emu.graphUrl}/v1.0/applications(appId='${appId}')/removePassword`, {
    method: "POST",
    headers: { ...auth(graphToken), "content-type": "application/json" },
    body: JSON.stringify({ keyId: removed.keyId }),
  });
  assert.equal(answer.status, 204);
  assert.match(await refusal(removed.secret), /AADSTS7000215/);
  assert.ok((await credential(kept.secret).getToken(vaultScope)).token);
});

test("a password past its endDateTime: AADSTS7000222; one not yet started: AADSTS7000215", async () => {
  const hour = 3600_000;
  const expired = await addPassword({
    startDateTime: new Date(Date.now() - 2 * hour).toISOString(),
    endDateTime: new Date(Date.now() - hour).toISOString(),
  });
  assert.match(
    await refusal(expired.secret),
    new RegExp(`AADSTS7000222: The provided client secret keys for app '${appId}' are expired`),
  );
  const future = await addPassword({
    startDateTime: new Date(Date.now() + hour).toISOString(),
    endDateTime: new Date(Date.now() + 2 * hour).toISOString(),
  });
  assert.match(await refusal(future.secret), /AADSTS7000215/);
});

test("a client id that is not a registered application keeps today's behaviour", async () => {
  assert.ok((await emulatorClientSecret(emu).getToken(vaultScope)).token);
});
