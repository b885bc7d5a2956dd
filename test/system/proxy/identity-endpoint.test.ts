// The managed-identity endpoint is the machine's own: its requests carry the identity header
// (and come back with the token), so they never go through a proxy, whatever the proxy and
// whatever the endpoint's scheme. The emulator's endpoint (IDENTITY_ENDPOINT) is https on
// loopback, where HTTPS_PROXY and the agent's proxy otherwise apply (env-proxy.test.ts shows
// every other request tunnelled): the proxy of test/helpers/connect-proxy.ts, which inspects
// TLS, records every request it carried, and must never record the identity endpoint's.
// Bundles, as each platform runs them: the action, the CLI, the task (a managed-identity
// service connection on a self-hosted agent with the agent's proxy).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { startConnectProxy, type ConnectProxy } from "../../helpers/connect-proxy.ts";
import { unique, withEmulator } from "../../helpers/emulator.ts";
import { describeRun, runActionStep } from "../../helpers/github-runner.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";

/** The identity endpoint's path, as the emulator and the proxy record it. */
function identityPath(emu: Emulator): string {
  return new URL(emu.identityEndpoint).pathname;
}

/**
 * The emulator served the identity endpoint (so the credential did use it) and the vault through
 * the proxy (so the proxy was in use), and the proxy never carried an identity request.
 */
function assertIdentityNeverProxied(emu: Emulator, proxy: ConnectProxy, describe: string): void {
  const mi = identityPath(emu);
  const served = emu.requests.map((r) => r.path.split("?")[0]);
  const proxied = proxy.requests.map((r) => r.path.split("?")[0]);
  assert.ok(served.includes(mi), `the identity endpoint was asked; ${describe}`);
  assert.ok(
    proxied.some((p) => p?.startsWith("/secrets")),
    `the vault's requests went through the proxy; ${proxied.join(", ")}; ${describe}`,
  );
  assert.deepEqual(
    proxied.filter((p) => p === mi),
    [],
    `an identity request went through the proxy; ${describe}`,
  );
}

async function withProxy(fn: (emu: Emulator, proxy: ConnectProxy) => Promise<void>): Promise<void> {
  await withEmulator(async (emu) => {
    const proxy = await startConnectProxy();
    try {
      await fn(emu, proxy);
    } finally {
      await proxy.stop();
    }
  });
}

void test("GitHub: auth managed-identity with HTTPS_PROXY and HTTP_PROXY: the identity endpoint is never proxied", async () => {
  await withProxy(async (emu, proxy) => {
    const name = `mi-gh-${unique()}`;
    emu.seed(name, secretValue("mi-gh"));
    const run = await runActionStep({
      with: { "vault-url": emu.vaultUrl, auth: "managed-identity", mode: "get", secrets: name },
      env: { ...emu.env(), HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assertIdentityNeverProxied(emu, proxy, describeRun(run));
  });
});

void test("CLI: --auth managed-identity with HTTPS_PROXY and HTTP_PROXY: the identity endpoint is never proxied", async () => {
  await withProxy(async (emu, proxy) => {
    const name = `mi-cli-${unique()}`;
    emu.seed(name, secretValue("mi-cli"));
    const run = await runCli(["list", "--vault-url", emu.vaultUrl, "--auth", "managed-identity"], {
      ...emu.env(),
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
    });
    assert.equal(run.code, 0, run.stderr);
    assertIdentityNeverProxied(emu, proxy, run.stderr);
  });
});

void test("Azure Pipelines: a managed-identity service connection behind the agent's proxy (and HTTPS_PROXY): the identity endpoint is never proxied", async () => {
  await withProxy(async (emu, proxy) => {
    const name = `mi-azp-${unique()}`;
    emu.seed(name, secretValue("mi-azp"));
    const env = emu.env();
    delete env.AZURE_AUTHORITY_HOST;
    const run = await runTask({
      endpoint: emulatorEndpoint(emu, "ManagedServiceIdentity"),
      inputs: { vaultUrl: emu.vaultUrl, mode: "get", secrets: name },
      variables: { "Agent.ProxyUrl": proxy.url, "Agent.ProxyBypassList": "[]" },
      env: { ...env, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
    });
    const describe = `result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
    assert.equal(run.result, "Succeeded", describe);
    assertIdentityNeverProxied(emu, proxy, describe);
  });
});
