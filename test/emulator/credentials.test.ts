// The real @azure/identity credentials, unchanged, against the emulator's Entra stand-in and
// OIDC stand-ins: client secret, client certificate, client assertion from GitHub's OIDC,
// AzurePipelinesCredential; each then reads and writes through a real SecretClient.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { TokenCredential } from "@azure/core-auth";
import {
  AzurePipelinesCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
} from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import forge from "node-forge";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { emulatorClientSecret, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";

let emu: Emulator;
const values: string[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), "aml-emu-cred-"));
const clientId = "22222222-3333-4444-5555-666666666666";

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.stop();
  rmSync(tmp, { recursive: true, force: true });
  assertNoLeaks({ logs: emu.logs.join("\n") }, values, "none");
  recordScenario("emulator credentials", { logs: emu.logs.join("\n") }, values, "none");
});

async function roundTrip(credential: TokenCredential): Promise<void> {
  const client = new SecretClient(emu.vaultUrl, credential, {
    disableChallengeResourceVerification: true,
  });
  const name = uniqueName("cred");
  const value = secretValue();
  values.push(value);
  await client.setSecret(name, value);
  assert.equal((await client.getSecret(name)).value, value);
}

function getJson(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on("error", reject);
    req.end();
  });
}

test("ClientSecretCredential with authorityHost = the emulator (instance discovery disabled)", async () => {
  await roundTrip(emulatorClientSecret(emu));
  assert.ok(
    emu.requests.some(
      (r) => r.kind === "token" && r.path.endsWith("/oauth2/v2.0/token") && r.status === 200,
    ),
  );
  assert.ok(emu.requests.some((r) => r.path.endsWith("/v2.0/.well-known/openid-configuration")));
});

test("ClientCertificateCredential signs its own assertion", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: "spki", format: "pem" }).toString(),
  );
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3600_000);
  cert.setSubject([{ name: "commonName", value: "aml-secrets test client" }]);
  cert.setIssuer([{ name: "commonName", value: "aml-secrets test client" }]);
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const pemFile = path.join(tmp, "client.pem");
  writeFileSync(pemFile, `${keyPem}${forge.pki.certificateToPem(cert)}`, { mode: 0o600 });
  await roundTrip(
    new ClientCertificateCredential(emu.tenantId, clientId, pemFile, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    }),
  );
});

test("ClientAssertionCredential with a token from the GitHub OIDC stand-in; a foreign assertion is refused", async () => {
  const assertion = async (): Promise<string> => {
    const answer = await getJson(
      `${emu.githubOidcUrl}&audience=api://AzureADTokenExchange`,
      "GET",
      {
        authorization: "Bearer runner-request-token",
      },
    );
    return String(answer.value);
  };
  await roundTrip(
    new ClientAssertionCredential(emu.tenantId, clientId, assertion, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    }),
  );
  assert.ok(emu.requests.some((r) => r.kind === "oidc" && r.status === 200));
  const forged = new ClientAssertionCredential(
    emu.tenantId,
    clientId,
    () => Promise.resolve("a.b.c"),
    {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    },
  );
  await assert.rejects(() => forged.getToken("https://vault.azure.net/.default"));
});

test("AzurePipelinesCredential through the Azure Pipelines OIDC stand-in", async () => {
  const saved = process.env.SYSTEM_OIDCREQUESTURI;
  process.env.SYSTEM_OIDCREQUESTURI = emu.pipelinesOidcUrl;
  try {
    await roundTrip(
      new AzurePipelinesCredential(
        emu.tenantId,
        clientId,
        "service-connection-1",
        "system-access-token",
        {
          authorityHost: emu.authorityHost,
          disableInstanceDiscovery: true,
        },
      ),
    );
  } finally {
    if (saved === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
    else process.env.SYSTEM_OIDCREQUESTURI = saved;
  }
  const call = emu.requests.find((r) => r.kind === "oidc" && r.method === "POST");
  assert.equal(call?.status, 200);
});
