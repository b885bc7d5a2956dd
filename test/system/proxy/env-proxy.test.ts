// The GitHub action and the CLI behind a proxy named the usual way, HTTPS_PROXY / NO_PROXY, run
// as bundles against the emulator through the CONNECT proxy of test/helpers/connect-proxy.ts.
// The Azure SDK reads both (a NO_PROXY entry is a host name, or a domain with a leading dot;
// loopback is not bypassed unless listed), so a run on loopback can show every request tunnelled.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import {
  basicAuthorization,
  startConnectProxy,
  type ConnectProxy,
} from "../../helpers/connect-proxy.ts";
import { unique, withEmulator } from "../../helpers/emulator.ts";
import {
  describeRun,
  maskProblems,
  runActionStep,
  stepTexts,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

/** `METHOD /path` of every request the emulator served, and of those that came through the proxy. */
function seen(emu: Emulator, proxy: ConnectProxy): { served: string[]; proxied: string[] } {
  return {
    served: emu.requests.map((r) => `${r.method} ${r.path}`).sort(),
    proxied: proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).sort(),
  };
}

/** The proxy URL as users write it in HTTPS_PROXY, with credentials when the proxy wants them. */
function proxyVariable(proxy: ConnectProxy, user?: string, password?: string): string {
  const url = new URL(proxy.url);
  if (user) url.username = user;
  if (password) url.password = password;
  return url.href;
}

/** A workspace in the emulator, so that ARM is asked too; its subscription. */
function workspace(emu: Emulator, id: string): string {
  const subscriptionId = randomUUID();
  emu.addWorkspace({
    subscriptionId,
    resourceGroup: `rg-${id}`,
    name: `mlw-${id}`,
    vaultName: `kv-${id}`,
  });
  return subscriptionId;
}

for (const bypassed of [false, true]) {
  void test(`GitHub: HTTPS_PROXY carries every request (token, ARM, vault)${bypassed ? "; NO_PROXY=127.0.0.1 takes loopback past it" : ", with the credentials in its URL"}`, async () => {
    await withEmulator(async (emu) => {
      const user = `gh-${unique()}`;
      const password = secretValue("proxy-password");
      const proxy = await startConnectProxy({ credentials: { username: user, password } });
      try {
        const id = unique();
        const value = secretValue("github-proxied");
        const clientSecret = secretValue("client-secret");
        const run = await runActionStep({
          with: {
            "workspace-name": `mlw-${id}`,
            "resource-group": `rg-${id}`,
            "subscription-id": workspace(emu, id),
            "resource-manager-url": emu.armUrl,
            secrets: `gh-${id}: GH_VALUE`,
            "client-id": randomUUID(),
            "tenant-id": emu.tenantId,
            "client-secret": clientSecret,
          },
          env: {
            ...emu.env(),
            GH_VALUE: value,
            HTTPS_PROXY: proxyVariable(proxy, user, password),
            ...(bypassed ? { NO_PROXY: "example.com,127.0.0.1" } : {}),
          },
        });
        assert.equal(run.exitCode, 0, describeRun(run));
        assert.equal(emu.versions(`gh-${id}`).at(-1)?.value, value);
        const { served, proxied } = seen(emu, proxy);
        assert.ok(served.some((r) => r.includes("/oauth2/v2.0/token")));
        assert.ok(served.some((r) => r.includes("Microsoft.KeyVault/vaults")));
        assert.ok(served.some((r) => r.includes(`/secrets/gh-${id}`)));
        if (bypassed) {
          assert.deepEqual(proxy.tunnels, []);
        } else {
          assert.deepEqual(proxied, served, "a request reached the emulator without the proxy");
          for (const tunnel of proxy.tunnels)
            assert.equal(tunnel.proxyAuthorization, basicAuthorization(user, password));
        }
        const texts = stepTexts(run);
        assertNoLeaks(texts, [value, clientSecret, password], "github");
        // The proxy's password is masked too, before anything is printed.
        assert.deepEqual(maskProblems(run, [value, clientSecret, password]), []);
        recordScenario(
          `github HTTPS_PROXY bypassed=${bypassed}`,
          texts,
          [value, password],
          "github",
        );
      } finally {
        await proxy.stop();
      }
    });
  });

  void test(`CLI: HTTPS_PROXY carries every request, with the credentials in its URL${bypassed ? "; NO_PROXY=127.0.0.1 takes loopback past it" : ""}`, async () => {
    await withEmulator(async (emu) => {
      const user = `cli-${unique()}`;
      // Characters a URL must escape: the SDK sends the password unescaped.
      const password = `${secretValue("proxy-password")}@:/`;
      const proxy = await startConnectProxy({ credentials: { username: user, password } });
      try {
        const id = unique();
        const value = secretValue("cli-proxied");
        const clientSecret = secretValue("client-secret");
        const run = await runCli(
          [
            "set",
            "--workspace-name",
            `mlw-${id}`,
            "--resource-group",
            `rg-${id}`,
            "--resource-manager-url",
            emu.armUrl,
            "--auth",
            "client-secret",
            "--secrets",
            `cli-${id}: CLI_VALUE`,
          ],
          {
            ...emu.env(),
            CLI_VALUE: value,
            AZURE_CLIENT_ID: randomUUID(),
            AZURE_TENANT_ID: emu.tenantId,
            AZURE_CLIENT_SECRET: clientSecret,
            AZURE_SUBSCRIPTION_ID: workspace(emu, id),
            HTTPS_PROXY: proxyVariable(proxy, user, encodeURIComponent(password)),
            ...(bypassed ? { NO_PROXY: "127.0.0.1" } : {}),
          },
        );
        assert.equal(run.code, 0, run.stderr);
        assert.equal(emu.versions(`cli-${id}`).at(-1)?.value, value);
        const { served, proxied } = seen(emu, proxy);
        assert.ok(served.some((r) => r.includes("Microsoft.KeyVault/vaults")));
        if (bypassed) assert.deepEqual(proxy.tunnels, []);
        else {
          assert.deepEqual(proxied, served, "a request reached the emulator without the proxy");
          for (const tunnel of proxy.tunnels)
            assert.equal(tunnel.proxyAuthorization, basicAuthorization(user, password));
        }
        const texts = { stdout: run.stdout, stderr: run.stderr };
        const secrets = [value, clientSecret, password];
        assertNoLeaks(texts, secrets, "none");
        recordScenario(`cli HTTPS_PROXY bypassed=${bypassed}`, texts, secrets, "none");
      } finally {
        await proxy.stop();
      }
    });
  });
}
