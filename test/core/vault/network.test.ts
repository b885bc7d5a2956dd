// Which requests the agent's proxy carries: the rule of src/core/network.ts, request by request.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  environmentProxyPassword,
  isProxied,
  proxyName,
  type ProxySettings,
} from "../../../src/core/vault/network.ts";

const proxy: ProxySettings = {
  url: "http://proxy.corp.example:8080",
  username: "agent",
  password: "not-in-any-message",
  bypass: [/\.internal\.example/i, /^https:\/\/myvault\.vault\.azure\.net\//i],
};

test("https requests go through the proxy unless a bypass pattern matches the URL (without regard to case)", () => {
  assert.equal(isProxied(proxy, "https://other.vault.azure.net/secrets?api-version=7.6"), true);
  assert.equal(
    isProxied(proxy, "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"),
    true,
  );
  assert.equal(
    isProxied(proxy, "https://management.azure.com/subscriptions?api-version=2022-12-01"),
    true,
  );
  assert.equal(isProxied(proxy, "https://MyVault.vault.azure.net/secrets"), false);
  assert.equal(isProxied(proxy, "https://arm.INTERNAL.example/subscriptions"), false);
});

test("the machine's own managed-identity endpoints are never proxied: IMDS (link-local) and plain http", () => {
  assert.equal(isProxied(proxy, "http://169.254.169.254/metadata/identity/oauth2/token"), false);
  assert.equal(isProxied(proxy, "https://169.254.169.254/metadata/identity/oauth2/token"), false);
  assert.equal(isProxied(proxy, "http://127.0.0.1:41741/msi/token"), false);
  assert.equal(isProxied(proxy, "https://169.255.169.254/"), true);
});

test("messages name the proxy by scheme, host and port, never with its credentials", () => {
  assert.equal(
    proxyName({ ...proxy, url: "http://agent:secret@proxy.corp.example:8080/" }),
    "http://proxy.corp.example:8080",
  );
});

test("the password of the proxy URL the SDK takes from the environment is found, decoded, for masking", () => {
  assert.equal(
    environmentProxyPassword({ HTTPS_PROXY: "http://u:p%40ss%3Aword@proxy:8080" }),
    "p@ss:word",
  );
  assert.equal(environmentProxyPassword({ https_proxy: "http://u:lower@proxy:8080" }), "lower");
  assert.equal(
    environmentProxyPassword({
      ALL_PROXY: "http://u:all@proxy",
      HTTP_PROXY: "http://u:http@proxy",
    }),
    "all",
  );
  assert.equal(environmentProxyPassword({ HTTPS_PROXY: "http://proxy:8080" }), undefined);
  assert.equal(environmentProxyPassword({ HTTPS_PROXY: "not a url" }), undefined);
  assert.equal(environmentProxyPassword({}), undefined);
});
