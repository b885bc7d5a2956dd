// The vault client (src/core/vault/client.ts): the real SecretClient, its pipeline without the
// SDK's policies that do nothing here, what each request still carries, and the listing bound
// (vault-bounds.ts) that reads only the answers that can be a listing's page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { HttpClient, PipelineRequest } from "@azure/core-rest-pipeline";
import {
  createSecretClient,
  inertPolicies,
  vaultPipeline,
} from "../../../src/core/vault/client.ts";
import { createNetworkClient } from "../../../src/core/vault/network.ts";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { emulatorManagedIdentity, uniqueName } from "../../helpers/emulator.ts";
import { startHostileVault } from "../../helpers/hostile-vault.ts";
import { secretValue } from "../../helpers/leaks.ts";

let emu: Emulator;

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.stop();
});

/** The network client, recording the headers of every request it sends. */
function recording(): { client: HttpClient; sent: PipelineRequest[] } {
  const inner = createNetworkClient();
  const sent: PipelineRequest[] = [];
  return {
    sent,
    client: {
      sendRequest: (request) => {
        sent.push(request);
        return inner.sendRequest(request);
      },
    },
  };
}

test("the vault client's pipeline keeps the policies the product needs and none of the inert ones", async () => {
  const client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
  const names = vaultPipeline(client)
    .getOrderedPolicies()
    .map((p) => p.name);
  assert.deepEqual(names, [
    "proxyPolicy",
    "userAgentPolicy",
    "setClientRequestIdPolicy",
    "ClientApiVersionPolicy",
    "keyVaultAuthenticationPolicy",
    "ContentTypePolicy",
    "logPolicy",
    "amlSecretsVaultBounds",
  ]);
  for (const name of inertPolicies) assert.ok(!names.includes(name), name);
});

test("a read still carries a client request id and the SDK's user agent, and asks for no compression", async () => {
  const name = uniqueName("client");
  const value = secretValue("client");
  emu.seed(name, value);
  const { client: httpClient, sent } = recording();
  const client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity(), httpClient);
  const secret = await client.getSecret(name);
  assert.equal(secret.value, value);
  const reads = sent.filter((r) => r.url.includes(`/secrets/${name}`));
  assert.ok(reads.length >= 1, `${sent.length} requests`);
  for (const request of reads) {
    assert.match(request.headers.get("x-ms-client-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.match(request.headers.get("user-agent") ?? "", /azsdk-js-keyvault-secrets\//);
    assert.equal(request.headers.get("accept-encoding"), undefined);
  }
});

// Unbounded, the SDK would follow the page for ever: the timeout makes that a failure.
test(
  "a listing page that spells nextLink with a \\u escape is still bounded: a repeat fails at once",
  { timeout: 30_000 },
  async () => {
    const vault = await startHostileVault({
      emulator: emu,
      listing: {
        kind: "each",
        answer: (u) => ({
          kind: "raw",
          status: 200,
          contentType: "application/json",
          // JSON.parse reads "\u006eextLink" as nextLink, and so does the SDK's paging.
          body: `{"value":[{"id":"${u.origin}/secrets/a","attributes":{"enabled":true}}],"\\u006eextLink":"${u.origin}/secrets?page=2"}`,
        }),
      },
    });
    try {
      const client = createSecretClient(vault.url, await emulatorManagedIdentity());
      await assert.rejects(
        async () => {
          for await (const properties of client.listPropertiesOfSecrets()) void properties;
        },
        (e: Error & { code?: string }) =>
          e.code === "ELISTINGBOUND" && /already sent \(its next link repeats/.test(e.message),
      );
      assert.ok(
        vault.requests.filter((r) => r === "GET /secrets").length <= 3,
        vault.requests.join(", "),
      );
    } finally {
      await vault.stop();
    }
  },
);
