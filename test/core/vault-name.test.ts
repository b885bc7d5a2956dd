// A bare vault name as vault-url (`myvault`): checked as Key Vault checks vault names before any
// request, completed with the connection's cloud's suffix, and the vault used is the
// `vault-url` output, set even when every secret then fails.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createHttpHeaders, type HttpClient } from "@azure/core-rest-pipeline";
import { run } from "../../src/core/run.ts";
import { clouds } from "../../src/core/vault/clouds.ts";
import { keyVaultNameProblem } from "../../src/core/inputs/vault-name.ts";
import { MemoryPlatform } from "../helpers/memory-platform.ts";

test("Key Vault's rule for vault names: 3-24 letters, digits, hyphens; a letter first; no `--`; no hyphen last", () => {
  for (const name of ["abc", "myvault", "my-vault-1", "A1b", "a".repeat(24)]) {
    assert.equal(keyVaultNameProblem(name, "input vault-url"), undefined, name);
  }
  for (const name of ["ab", "a".repeat(25), "1vault", "my--vault", "vault-", "-vault"]) {
    assert.match(
      keyVaultNameProblem(name, "input vault-url") ?? "",
      /is not a Key Vault name/,
      name,
    );
  }
});

/** A transport that answers every request 404 and remembers where it went. */
function recordingClient(urls: string[]): HttpClient {
  return {
    sendRequest: (request) => {
      urls.push(request.url);
      return Promise.resolve({
        request,
        status: 404,
        headers: createHttpHeaders({ "content-type": "application/json" }),
        bodyAsText: '{"error":{"code":"SecretNotFound","message":"not found"}}',
      });
    },
  };
}

function platformFor(
  inputs: Record<string, string>,
  cloud: string,
  urls: string[],
): MemoryPlatform {
  return new MemoryPlatform({
    inputs: { mode: "get", secrets: "db-password", ...inputs },
    connect: () => ({
      credential: {
        getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }),
      },
      httpClient: recordingClient(urls),
      cloud: clouds[cloud]!,
      describe: "a test credential",
      hint: "check nothing",
    }),
  });
}

for (const [cloud, host] of [
  ["AzureCloud", "myvault.vault.azure.net"],
  ["AzureChinaCloud", "myvault.vault.azure.cn"],
  ["AzureUSGovernment", "myvault.vault.usgovcloudapi.net"],
] as const) {
  test(`a bare name in ${cloud} is https://${host}, the vault-url output, set though the secret failed`, async () => {
    const urls: string[] = [];
    const platform = platformFor({ "vault-url": "myvault" }, cloud, urls);
    const outcome = await run(platform);
    assert.equal(outcome.status, "failed");
    assert.ok(urls.length > 0 && urls.every((u) => new URL(u).host === host), urls.join(" "));
    assert.equal(platform.output("vault-url"), `https://${host}`);
  });
}

test("an invalid bare name is an input problem: nothing is sent, no vault-url output", async () => {
  const urls: string[] = [];
  const platform = platformFor({ "vault-url": "my--vault" }, "AzureCloud", urls);
  const outcome = await run(platform);
  assert.equal(outcome.status, "invalid");
  assert.deepEqual(urls, []);
  assert.equal(platform.output("vault-url"), undefined);
  const failure = platform.events.find((e) => e.kind === "fail");
  assert.match(
    failure?.kind === "fail" ? failure.message : "",
    /input vault-url `my--vault` is not a Key Vault name/,
  );
});
