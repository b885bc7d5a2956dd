// The managed identity endpoint in the three protocols clients use (App Service 2019-08-01,
// App Service / Azure ML 2017-09-01 with the `secret` header, Cloud Shell's POST), and the
// AD FS form of the authority that the Azure CLI can sign a service principal in with.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { auth, send } from "./wire-client.ts";

let emu: Emulator;

before(async () => {
  emu = await startEmulator();
});
after(() => emu.stop());

const vault = encodeURIComponent("https://vault.azure.net");

async function vaultAccepts(token: unknown): Promise<void> {
  const answer = await send(`${emu.vaultUrl}/secrets?api-version=7.6`, {
    headers: auth(String(token)),
  });
  assert.equal(answer.status, 200);
}

test("MSI_ENDPOINT + MSI_SECRET (2017-09-01, header `secret`), also at the path with a final /", async () => {
  const env = emu.azureCliEnv();
  assert.equal(env.MSI_ENDPOINT, emu.identityEndpoint);
  assert.equal(env.REQUESTS_CA_BUNDLE, emu.caFile);
  for (const base of [env.MSI_ENDPOINT, `${env.MSI_ENDPOINT}/`]) {
    const answer = await send(`${base}?resource=${vault}&api-version=2017-09-01&clientid=abc`, {
      headers: { secret: env.MSI_SECRET ?? "" },
    });
    assert.equal(answer.status, 200, base);
    assert.equal(answer.json.token_type, "Bearer");
    assert.match(String(answer.json.expires_on), /^\d+$/);
    assert.equal(answer.json.client_id, "abc");
    await vaultAccepts(answer.json.access_token);
  }
  const wrong = await send(`${env.MSI_ENDPOINT}?resource=${vault}&api-version=2017-09-01`, {
    headers: { secret: "wrong" },
  });
  assert.equal(wrong.status, 401);
  // The 2019-08-01 header does not stand in for the 2017-09-01 one.
  const crossed = await send(`${env.MSI_ENDPOINT}?resource=${vault}&api-version=2017-09-01`, {
    headers: { "X-IDENTITY-HEADER": emu.identityHeader },
  });
  assert.equal(crossed.status, 401);
  const unknown = await send(`${env.MSI_ENDPOINT}?resource=${vault}&api-version=2018-02-01`, {
    headers: { secret: env.MSI_SECRET ?? "" },
  });
  assert.equal(unknown.status, 400);
});

test("Cloud Shell's protocol: POST with a form body and Metadata: true", async () => {
  const answer = await send(emu.identityEndpoint, {
    method: "POST",
    headers: { metadata: "true", "content-type": "application/x-www-form-urlencoded" },
    body: `resource=${vault}`,
  });
  assert.equal(answer.status, 200);
  await vaultAccepts(answer.json.access_token);
  const bare = await send(emu.identityEndpoint, { method: "POST", body: `resource=${vault}` });
  assert.equal(bare.status, 400);
  const put = await send(emu.identityEndpoint, { method: "PUT", headers: { metadata: "true" } });
  assert.equal(put.status, 405);
});

test("the AD FS authority: OpenID metadata without v2.0, and a client-credentials token", async () => {
  const config = await send(`${emu.authorityHost}/adfs/.well-known/openid-configuration`);
  assert.equal(config.status, 200);
  assert.equal(config.json.token_endpoint, `${emu.authorityHost}/adfs/oauth2/token`);
  assert.equal(config.json.issuer, `${emu.authorityHost}/adfs`);
  const token = await send(String(config.json.token_endpoint), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "11111111-2222-3333-4444-555555555555",
      client_secret: "any",
      scope: "https://vault.azure.net/.default",
    }).toString(),
  });
  assert.equal(token.status, 200);
  await vaultAccepts(token.json.access_token);
  const noSecret = await send(String(config.json.token_endpoint), {
    method: "POST",
    body: "grant_type=client_credentials&client_id=x&client_secret=&scope=https://vault.azure.net/.default",
  });
  assert.equal(noSecret.status, 401);
  assert.equal(noSecret.json.error, "invalid_client");
});
