// The Entra stand-in takes a federated assertion only for an audience its federated credential
// lists, as Entra does: each cloud's token-exchange audience by default, or those the emulator
// was started with; any other is AADSTS700212. Through the real ClientAssertionCredential.
import assert from "node:assert/strict";
import { request } from "node:https";
import { test } from "node:test";
import { ClientAssertionCredential } from "@azure/identity";
import type { Emulator } from "../../src/emulator/index.ts";
import { withEmulator } from "../helpers/emulator.ts";

const clientId = "33333333-4444-5555-6666-777777777777";

/** A GitHub OIDC token for `audience` from the emulator's stand-in, as @actions/core asks. */
function githubToken(emu: Emulator, audience: string): Promise<string> {
  const url = `${emu.githubOidcUrl}&audience=${encodeURIComponent(audience)}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: "Bearer runner-token" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => resolve(String((JSON.parse(text) as { value: unknown }).value)));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The error message of a token request with an assertion for `audience`, or "" when it worked. */
async function exchange(emu: Emulator, audience: string): Promise<string> {
  const credential = new ClientAssertionCredential(
    emu.tenantId,
    clientId,
    () => githubToken(emu, audience),
    { authorityHost: emu.authorityHost, disableInstanceDiscovery: true },
  );
  try {
    await credential.getToken("https://vault.azure.net/.default");
    return "";
  } catch (e: unknown) {
    return e instanceof Error ? e.message : String(e);
  }
}

test("by default each cloud's token-exchange audience is taken, any other refused with AADSTS700212", async () => {
  await withEmulator(async (emu) => {
    for (const audience of [
      "api://AzureADTokenExchange",
      "api://AzureADTokenExchangeUSGov",
      "api://AzureADTokenExchangeChina",
    ]) {
      assert.equal(await exchange(emu, audience), "", audience);
    }
    const refused = await exchange(emu, "api://SomethingElse");
    assert.match(
      refused,
      /AADSTS700212: No matching federated identity record found for presented assertion audience 'api:\/\/SomethingElse'/,
    );
    assert.ok(emu.requests.some((r) => r.kind === "token" && r.status === 401));
    // The request's audience is recorded (identity may ask for the assertion more than once).
    assert.deepEqual(
      [...new Set(emu.requests.filter((r) => r.kind === "oidc").map((r) => r.audience))],
      [
        "api://AzureADTokenExchange",
        "api://AzureADTokenExchangeUSGov",
        "api://AzureADTokenExchangeChina",
        "api://SomethingElse",
      ],
    );
  });
});

test("federatedAudiences replaces the defaults: the listed one is taken, the public cloud's refused", async () => {
  await withEmulator(
    async (emu) => {
      assert.equal(await exchange(emu, "api://custom"), "");
      assert.match(await exchange(emu, "api://AzureADTokenExchange"), /AADSTS700212/);
    },
    { federatedAudiences: ["api://custom"] },
  );
});
