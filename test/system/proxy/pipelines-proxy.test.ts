// The bundled task (dist/task.cjs) on a self-hosted agent behind a proxy, with the agent's own
// proxy, bypass list and certificates (the Agent.* variables the agent gives every task), against
// the emulator through the CONNECT proxy of test/helpers/connect-proxy.ts.
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { defaultCaDir, ensureCa, issueLeaf } from "../../../src/emulator/ca.ts";
import type { Emulator } from "../../../src/emulator/index.ts";
import { startArmFront } from "../../core/vault/arm-front.ts";
import { unique, withEmulator } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import {
  basicAuthorization,
  startConnectProxy,
  type ConnectProxy,
  type ConnectProxyOptions,
} from "../../helpers/connect-proxy.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  type TaskRun,
  type TaskRunOptions,
} from "../../helpers/pipelines-agent.ts";

function describeRun(run: TaskRun): string {
  return `exit ${run.exitCode}, result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
}

/** A federated connection to the emulator; the machine trusts the test CA unless told otherwise. */
function federated(emu: Emulator, token: string, env = emu.env()): Partial<TaskRunOptions> {
  delete env.AZURE_AUTHORITY_HOST;
  return {
    endpoint: emulatorEndpoint(emu, "WorkloadIdentityFederation"),
    systemAccessToken: token,
    variables: { "System.OidcRequestUri": emu.pipelinesOidcUrl },
    env,
  };
}

/** The agent's proxy variables, the password a secret variable as the agent makes it. */
function agentProxy(
  proxy: ConnectProxy,
  user: string,
  password: string,
  bypass: string[] = [],
): Pick<TaskRunOptions, "variables" | "secretVariables"> {
  return {
    variables: {
      "Agent.ProxyUrl": proxy.url,
      "Agent.ProxyUsername": user,
      "Agent.ProxyBypassList": JSON.stringify(bypass),
    },
    secretVariables: { "Agent.ProxyPassword": password },
  };
}

/** `METHOD /path` of every request the emulator served, and of those that came through the proxy. */
function seen(emu: Emulator, proxy: ConnectProxy): { served: string[]; proxied: string[] } {
  return {
    served: emu.requests.map((r) => `${r.method} ${r.path}`).sort(),
    proxied: proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).sort(),
  };
}

async function withProxy<T>(
  options: ConnectProxyOptions,
  fn: (proxy: ConnectProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startConnectProxy(options);
  try {
    return await fn(proxy);
  } finally {
    await proxy.stop();
  }
}

void test("every request (OIDC, Entra ID, ARM, vault) goes through the agent's proxy with its credentials; the password is masked first and shown nowhere", async () => {
  await withEmulator(async (emu) => {
    const user = `agent-${unique()}`;
    const password = secretValue("proxy-password");
    await withProxy({ credentials: { username: user, password } }, async (proxy) => {
      const id = unique();
      const token = secretValue("access-token");
      const connection = federated(emu, token);
      emu.addWorkspace({
        subscriptionId: connection.endpoint?.data?.subscriptionId ?? "",
        resourceGroup: `rg-${id}`,
        name: `mlw-${id}`,
        vaultName: `kv-${id}`,
      });
      const value = secretValue("proxied");
      const network = agentProxy(proxy, user, password);
      const run = await runTask({
        ...connection,
        inputs: {
          workspaceName: `mlw-${id}`,
          resourceGroup: `rg-${id}`,
          secrets: `px-${id}: PX_VALUE`,
        },
        variables: { ...connection.variables, ...network.variables, "System.Debug": "true" },
        secretVariables: { PX_VALUE: value, ...network.secretVariables },
      });
      assert.equal(run.result, "Succeeded", describeRun(run));
      assert.equal(emu.versions(`px-${id}`).at(-1)?.value, value);

      const { served, proxied } = seen(emu, proxy);
      assert.ok(
        served.some((r) => r.includes("/secrets/")),
        "the vault served no secret request",
      );
      assert.ok(
        served.some((r) => r.includes("Microsoft.KeyVault/vaults")),
        "ARM served no vault look-up",
      );
      assert.ok(
        served.some((r) => r.includes("/oauth2/v2.0/token")),
        "Entra ID served no token request",
      );
      assert.deepEqual(proxied, served, "a request reached the emulator without the proxy");
      assert.ok(proxy.tunnels.length > 0);
      for (const tunnel of proxy.tunnels) {
        assert.equal(tunnel.status, 200);
        assert.equal(tunnel.proxyAuthorization, basicAuthorization(user, password));
      }
      // Its first appearance on stdout is its task.setsecret; then nowhere, in no form.
      assert.ok(run.masked.includes(password), "the proxy password was not registered as a secret");
      checkTaskLeaks("azure-pipelines agent proxy", run, [value, token, password]);
    });
  });
});

void test("a URL that the agent's bypass list matches goes straight to the host: vault requests bypass, the rest is tunnelled", async () => {
  await withEmulator(async (emu) => {
    await withProxy({}, async (proxy) => {
      const id = unique();
      const token = secretValue("access-token");
      const connection = federated(emu, token);
      const port = new URL(emu.vaultUrl).port;
      // The vault by the name `localhost`, everything else by 127.0.0.1: one emulator, two hosts.
      const value = secretValue("bypassed");
      const network = agentProxy(proxy, "", "", [`^https://localhost:${port}/`]);
      const run = await runTask({
        ...connection,
        inputs: { vaultUrl: `https://localhost:${port}`, secrets: `bp-${id}: BP_VALUE` },
        variables: { ...connection.variables, ...network.variables },
        secretVariables: { BP_VALUE: value },
      });
      assert.equal(run.result, "Succeeded", describeRun(run));
      assert.equal(emu.versions(`bp-${id}`).at(-1)?.value, value);

      const { served, proxied } = seen(emu, proxy);
      assert.ok(served.some((r) => r.includes(`/secrets/bp-${id}`)));
      assert.deepEqual(
        proxied.filter((r) => r.includes("/secrets")),
        [],
        "a vault request went through the proxy",
      );
      assert.deepEqual(
        proxied,
        served.filter((r) => !r.includes("/secrets")),
        "a token request did not go through the proxy",
      );
      assert.ok(proxy.tunnels.every((t) => t.target === `127.0.0.1:${port}`));
      assert.ok(proxy.tunnels.every((t) => t.proxyAuthorization === undefined));
      checkTaskLeaks("azure-pipelines agent proxy bypass", run, [value, token]);
    });
  });
});

void test("the agent's CA file (Agent.CAInfo) is trusted in addition to the system's, through the proxy too", async () => {
  await withEmulator(async (emu) => {
    await withProxy({}, async (proxy) => {
      const id = unique();
      const token = secretValue("access-token");
      // No NODE_EXTRA_CA_CERTS: the emulator's CA is known only through the agent's setting.
      const env = emu.env();
      delete env.NODE_EXTRA_CA_CERTS;
      const connection = federated(emu, token, env);
      const value = secretValue("ca-info");
      const inputs = { vaultUrl: emu.vaultUrl, secrets: `ca-${id}: CA_VALUE` };
      const withoutCa = await runTask({
        ...connection,
        inputs,
        secretVariables: { CA_VALUE: value },
      });
      assert.equal(withoutCa.result, "Failed", "the test CA is trusted without Agent.CAInfo");
      for (const bypass of [[], [".*"]]) {
        const network = agentProxy(proxy, "", "", bypass);
        const run = await runTask({
          ...connection,
          inputs,
          variables: { ...connection.variables, ...network.variables, "Agent.CAInfo": emu.caFile },
          secretVariables: { CA_VALUE: value },
        });
        assert.equal(run.result, "Succeeded", `bypass ${bypass.join()}: ${describeRun(run)}`);
        checkTaskLeaks(`azure-pipelines agent CA, bypass ${bypass.join()}`, run, [value, token]);
      }
      assert.equal(emu.versions(`ca-${id}`).at(-1)?.value, value);
    });
  });
});

void test("the agent's client certificate (Agent.ClientCert, Agent.ClientCertKey, Agent.ClientCertPassword) is presented, straight and through the proxy; its password is masked and shown nowhere", async () => {
  await withEmulator(async (emu) => {
    const front = await startArmFront(emu.armUrl, []);
    const dir = mkdtempSync(path.join(os.tmpdir(), "aml-client-cert-"));
    try {
      // A certificate of the test CA as the client's, its key encrypted with the password.
      const leaf = issueLeaf(ensureCa(defaultCaDir()));
      const password = secretValue("client-cert-password");
      const certFile = path.join(dir, "client.pem");
      const keyFile = path.join(dir, "client.key");
      writeFileSync(certFile, leaf.certPem);
      writeFileSync(
        keyFile,
        createPrivateKey(leaf.keyPem).export({
          type: "pkcs8",
          format: "pem",
          cipher: "aes-256-cbc",
          passphrase: password,
        }),
      );
      const fingerprint = new X509Certificate(leaf.certPem).fingerprint256;
      await withProxy({}, async (proxy) => {
        for (const proxied of [false, true]) {
          const id = unique();
          const token = secretValue("access-token");
          const connection = federated(emu, token);
          const endpoint = connection.endpoint ?? assert.fail("no endpoint");
          // ARM through the front, which asks for a client certificate and records it.
          endpoint.url = `${front.url}/`;
          emu.addWorkspace({
            subscriptionId: endpoint.data?.subscriptionId ?? "",
            resourceGroup: `rg-${id}`,
            name: `mlw-${id}`,
            vaultName: `kv-${id}`,
          });
          const before = proxied ? proxy.requests.length : front.clientCertificates.length;
          const value = secretValue("client-cert");
          const run = await runTask({
            ...connection,
            inputs: {
              workspaceName: `mlw-${id}`,
              resourceGroup: `rg-${id}`,
              secrets: `cc-${id}: CC_VALUE`,
            },
            variables: {
              ...connection.variables,
              ...(proxied ? agentProxy(proxy, "", "").variables : {}),
              "Agent.ClientCert": certFile,
              "Agent.ClientCertKey": keyFile,
            },
            secretVariables: { CC_VALUE: value, "Agent.ClientCertPassword": password },
          });
          assert.equal(run.result, "Succeeded", describeRun(run));
          // Through the (TLS-inspecting) proxy the certificate is presented to the proxy itself.
          const presented = proxied
            ? proxy.requests.slice(before).map((r) => r.clientCertificate)
            : front.clientCertificates.slice(before);
          assert.ok(presented.length > 0, "nothing was asked");
          assert.deepEqual(new Set(presented), new Set([fingerprint]));
          assert.equal(proxy.tunnels.length > 0, proxied);
          checkTaskLeaks(`azure-pipelines agent client certificate, proxied ${proxied}`, run, [
            value,
            token,
            password,
          ]);
        }
      });
    } finally {
      await front.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The first request of a run with vaultUrl is the vault's (its 401 challenge); with a workspace,
// the token request for ARM: both paths meet the refusal.
for (const [what, options, inputs, expected] of [
  [
    "asks for credentials it did not get (407)",
    { credentials: { username: "agent", password: "the-right-one" } },
    (emu: Emulator) => ({ vaultUrl: emu.vaultUrl }),
    /proxy http:\/\/127\.0\.0\.1:\d+ refused the tunnel to 127\.0\.0\.1:\d+ \(407 Proxy Authentication Required\): it refused the proxy user name and password given/,
  ],
  [
    "refuses the tunnel (403)",
    { refuseWith: 403 },
    () => ({ workspaceName: "mlw", resourceGroup: "rg" }),
    /proxy http:\/\/127\.0\.0\.1:\d+ refused the tunnel to 127\.0\.0\.1:\d+ \(403 /,
  ],
] as const) {
  void test(`a proxy that ${what} fails the task at once, naming the proxy and never its password`, async () => {
    await withEmulator(async (emu) => {
      await withProxy(options, async (proxy) => {
        const token = secretValue("access-token");
        const connection = federated(emu, token);
        const password = secretValue("wrong-password");
        const network = agentProxy(proxy, "agent", password);
        const value = secretValue("refused");
        const run = await runTask({
          ...connection,
          inputs: { ...inputs(emu), secrets: `rf-${unique()}: RF_VALUE` },
          variables: { ...connection.variables, ...network.variables },
          secretVariables: { RF_VALUE: value, ...network.secretVariables },
        });
        assert.equal(run.result, "Failed", describeRun(run));
        assert.match(run.errors.join("\n"), expected);
        assert.deepEqual(emu.requests, [], "a request reached the emulator past the proxy");
        assert.ok(proxy.tunnels.length > 0);
        // Refusals are not retried: one tunnel asked for per request that was tried.
        assert.ok(proxy.tunnels.length <= 3, `${proxy.tunnels.length} tunnels asked for`);
        checkTaskLeaks(`azure-pipelines proxy that ${what}`, run, [value, token, password]);
      });
    });
  });
}

void test("agent settings that cannot be used are input problems: all named at once, before any request", async () => {
  await withEmulator(async (emu) => {
    const token = secretValue("access-token");
    const connection = federated(emu, token);
    const password = secretValue("proxy-password");
    const value = secretValue("unsent");
    const missing = path.join(os.tmpdir(), `no-such-ca-${unique()}.pem`);
    const run = await runTask({
      ...connection,
      inputs: { vaultUrl: emu.vaultUrl, secrets: `un-${unique()}: UN_VALUE` },
      variables: {
        ...connection.variables,
        "Agent.ProxyUrl": "http://127.0.0.1:9",
        "Agent.ProxyUsername": "agent",
        "Agent.ProxyBypassList": JSON.stringify(["(unclosed"]),
        "Agent.CAInfo": missing,
      },
      secretVariables: { UN_VALUE: value, "Agent.ProxyPassword": password },
    });
    assert.equal(run.result, "Failed", describeRun(run));
    const errors = run.errors.join("\n");
    assert.match(errors, /2 problems with the inputs; nothing was sent/);
    assert.match(
      errors,
      /Agent\.ProxyBypassList\) has \(unclosed, which is not a regular expression/,
    );
    assert.ok(
      errors.includes(`CA certificate file (Agent.CAInfo) ${missing} cannot be read`),
      errors,
    );
    assert.deepEqual(emu.requests, []);
    checkTaskLeaks("azure-pipelines unusable agent network settings", run, [
      value,
      token,
      password,
    ]);

    const notJson = await runTask({
      ...connection,
      inputs: { vaultUrl: emu.vaultUrl, secrets: `un-${unique()}: UN_VALUE` },
      variables: {
        ...connection.variables,
        "Agent.ProxyUrl": "http://127.0.0.1:9",
        "Agent.ProxyUsername": "agent",
        "Agent.ProxyBypassList": "localhost",
      },
      secretVariables: { UN_VALUE: value, "Agent.ProxyPassword": password },
    });
    assert.equal(notJson.result, "Failed", describeRun(notJson));
    assert.match(notJson.errors.join("\n"), /Agent\.ProxyBypassList\) is not a JSON array/);
    assert.deepEqual(emu.requests, []);
    checkTaskLeaks("azure-pipelines agent bypass list not JSON", notJson, [value, token, password]);
  });
});
