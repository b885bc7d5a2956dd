// The product's sentence for each failure it can name (vault/error-codes.ts), and how
// `failure()` (vault/service-error.ts) puts a failure into words: what failed, the status and
// codes, the service's message only as a marker for the reporter to judge, the request id, and
// the remedy for that code; for a request that got no answer, one sentence naming what was
// dialled (the proxy, when it was one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { resolveUntrusted } from "../../../src/core/errors.ts";
import { codeRemedy, networkRemedy } from "../../../src/core/vault/error-codes.ts";
import { failure } from "../../../src/core/vault/service-error.ts";

/** The hints run.ts joins: the connection's, then the mode's role sentence. */
const setHint = `check the service connection; the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list, set and recover, and delete with prune)`;
const getHint = `check the service connection; the identity needs the "Key Vault Secrets User" role on the vault (or an access policy with secret get and list)`;
const host = "kv-app.vault.azure.net";

void test("each 403 inner code has its own remedy, with the vault's name and the mode's role", () => {
  const firewall = codeRemedy(403, "Forbidden", "ForbiddenByFirewall", { hint: setHint, host });
  assert.match(firewall ?? "", /firewall refused this runner's network address/);
  assert.match(
    firewall ?? "",
    /az keyvault network-rule add --name kv-app --ip-address RUNNER_PUBLIC_IP/,
  );

  const rbac = codeRemedy(403, "Forbidden", "ForbiddenByRbac", { hint: setHint, host });
  assert.equal(
    rbac,
    `the identity has no Azure role on the vault that allows this: assign "Key Vault Secrets Officer" (az role assignment create --role "Key Vault Secrets Officer" --assignee IDENTITY_OBJECT_ID --scope $(az keyvault show --name kv-app --query id -o tsv)); role assignments take a few minutes to apply`,
  );
  const rbacGet = codeRemedy(403, "Forbidden", "ForbiddenByRbac", { hint: getHint, host });
  assert.match(rbacGet ?? "", /--role "Key Vault Secrets User"/);

  assert.match(
    codeRemedy(403, "Forbidden", "ForbiddenByPolicy", { hint: getHint, host }) ?? "",
    /compound one .*give the identity an entry of its own \(az keyvault set-policy --name kv-app --object-id IDENTITY_OBJECT_ID --secret-permissions get list\)/,
  );
  assert.match(
    codeRemedy(403, "Forbidden", "AccessDenied", { hint: getHint, host }) ?? "",
    /access policies do not give the identity this permission: add them \(az keyvault set-policy --name kv-app --object-id IDENTITY_OBJECT_ID --secret-permissions get list\)/,
  );
  // The four are four different remedies.
  const all = ["ForbiddenByFirewall", "ForbiddenByRbac", "ForbiddenByPolicy", "AccessDenied"].map(
    (inner) => codeRemedy(403, "Forbidden", inner, { hint: setHint, host }),
  );
  assert.equal(new Set(all).size, 4);
});

void test("a host that is not a Key Vault's names no vault: the command holds a placeholder", () => {
  for (const other of ["127.0.0.1:8443", "emulator.local", undefined, "a.b.vault.azure.net.evil"]) {
    const remedy = codeRemedy(403, "Forbidden", "ForbiddenByRbac", {
      hint: setHint,
      ...(other ? { host: other } : {}),
    });
    assert.match(remedy ?? "", /--name VAULT --query id/, String(other));
  }
  // A private endpoint's host names the vault as well.
  assert.match(
    codeRemedy(403, "Forbidden", "ForbiddenByFirewall", {
      hint: setHint,
      host: "kv-priv.privatelink.vaultcore.azure.net",
    }) ?? "",
    /--name kv-priv /,
  );
});

void test("Key Vault's and ARM's codes each have a sentence; the status stands for a code not known", () => {
  const context = { hint: setHint, host };
  const sentences: [number, string, RegExp][] = [
    [404, "SecretNotFound", /no secret of that name/],
    [401, "Unauthorized", /^the vault did not accept the token: check the service connection;/],
    [403, "Forbidden", /^the vault refused the identity: check the service connection;/],
    [400, "BadParameter", /the vault refused what was sent/],
    [409, "Conflict", /conflict with the secret's state/],
    [429, "Throttled", /lower max-concurrency/],
    [404, "ResourceNotFound", /check workspace-name, resource-group and subscription-id/],
    [404, "ResourceGroupNotFound", /no resource group of that name/],
    [404, "SubscriptionNotFound", /does not know that subscription/],
    [403, "AuthorizationFailed", /assign it Reader/],
    [401, "ExpiredAuthenticationToken", /wrong tenant or cloud, or expired/],
  ];
  for (const [status, code, sentence] of sentences)
    assert.match(codeRemedy(status, code, undefined, context) ?? "", sentence, code);
  assert.match(codeRemedy(409, "x", "SecretDisabled", context) ?? "", /disabled: enable it/);
  assert.match(
    codeRemedy(409, "Conflict", "ObjectIsDeletedButRecoverable", context) ?? "",
    /recover it/,
  );
  // A hint that says "check" already is not told to check twice; another one is.
  assert.equal(codeRemedy(403, "Odd", undefined, context), setHint);
  assert.equal(
    codeRemedy(403, "Odd", undefined, { ...context, hint: "run az login first" }),
    "check: run az login first",
  );
  assert.equal(
    codeRemedy(404, "Odd", undefined, context),
    "not found: check the name and the vault",
  );
  assert.match(codeRemedy(503, "Odd", undefined, context) ?? "", /the service failed: run again/);
  assert.equal(codeRemedy(418, "Odd", undefined, context), undefined);
});

void test("each network failure is one sentence naming what was dialled: the proxy when it was one", () => {
  const vault = { host };
  const proxy = { host, proxy: "http://proxy.corp:3128" };
  const cases: [string, RegExp, RegExp][] = [
    [
      "ENOTFOUND",
      /^the name kv-app\.vault\.azure\.net could not be resolved \(DNS\)/,
      /^the proxy's name http:\/\/proxy\.corp:3128 could not be resolved/,
    ],
    ["EAI_AGAIN", /could not be resolved \(DNS\)/, /the proxy's name/],
    [
      "ECONNREFUSED",
      /^kv-app\.vault\.azure\.net refused the connection: check the address/,
      /^the proxy http:\/\/proxy\.corp:3128 refused the connection: check that the proxy runs/,
    ],
    [
      "ECONNRESET",
      /dropped the connection: a firewall/,
      /^the proxy http:\/\/proxy\.corp:3128 dropped the connection: check the proxy's rules/,
    ],
    [
      "ETIMEDOUT",
      /did not accept the connection in time/,
      /^the proxy http:\/\/proxy\.corp:3128 did not accept/,
    ],
    ["SELF_SIGNED_CERT_IN_CHAIN", /NODE_EXTRA_CA_CERTS/, /certificate of the proxy/],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", /NODE_EXTRA_CA_CERTS/, /NODE_EXTRA_CA_CERTS/],
    ["ERR_TLS_CERT_ALTNAME_INVALID", /does not name that host/, /does not name that host/],
  ];
  for (const [code, direct, proxied] of cases) {
    assert.match(networkRemedy(code, vault) ?? "", direct, code);
    assert.match(networkRemedy(code, proxy) ?? "", proxied, code);
    assert.doesNotMatch(networkRemedy(code, vault) ?? "", /\n/, code);
  }
  assert.equal(networkRemedy("ESOMETHINGELSE", vault), undefined);
});

const request = (url = `https://${host}/secrets/db-password`) => createPipelineRequest({ url });

function answered(status: number, body: unknown, headers: Record<string, string> = {}): RestError {
  const req = request();
  const text = JSON.stringify(body);
  return new RestError(`the SDK's own words ${status}`, {
    statusCode: status,
    code: (body as { error?: { code?: string } }).error?.code ?? "x",
    request: req,
    response: { status, headers: createHttpHeaders(headers), request: req, bodyAsText: text },
  });
}

/** What the reporter would show, with the server's text put back in brackets. */
const shown = (text: string): string => resolveUntrusted(text, (server) => `[${server}]`);

void test("failure(): what failed, status and codes, the service's words as a marker, request id, remedy", () => {
  const message =
    "Caller is not authorized to perform action on resource.\r\nVault: kv-app;location=eastus";
  const e = answered(
    403,
    { error: { code: "Forbidden", message, innererror: { code: "ForbiddenByRbac" } } },
    { "x-ms-request-id": "2f6e8c4a-0000-4000-8000-000000000001" },
  );
  const text = failure({ hint: setHint }, "writing db-password", e);
  // The server's text is only ever a marker until the reporter judges it.
  assert.equal(text.includes("Caller is not authorized"), false, text);
  assert.equal(
    shown(text),
    `writing db-password failed: 403 Forbidden (ForbiddenByRbac): [${message}]; request id 2f6e8c4a-0000-4000-8000-000000000001; the identity has no Azure role on the vault that allows this: assign "Key Vault Secrets Officer" (az role assignment create --role "Key Vault Secrets Officer" --assignee IDENTITY_OBJECT_ID --scope $(az keyvault show --name kv-app --query id -o tsv)); role assignments take a few minutes to apply; ${setHint}`,
  );
});

void test("failure(): a 5xx's message is not kept at all; the status's sentence stands", () => {
  const e = answered(503, { error: { code: "ServiceUnavailable", message: "echo of anything" } });
  const text = failure({ hint: setHint }, "reading x", e);
  assert.equal(
    shown(text),
    "reading x failed: 503 ServiceUnavailable; the service failed: run again; if it persists, check the service's health",
  );
});

void test("failure(): a request with no answer is one sentence, the socket's code once, its message never", () => {
  const cases: [string, string, string, string][] = [
    [
      "getaddrinfo ENOTFOUND kv-app.vault.azure.net",
      "ENOTFOUND",
      `https://${host}/secrets/x`,
      "reading x failed: ENOTFOUND: the name kv-app.vault.azure.net could not be resolved (DNS): check the vault's name, the private endpoint's DNS zone (privatelink.vaultcore.azure.net) if the vault is private, and the runner's DNS",
    ],
    [
      // The SDK took HTTPS_PROXY and dialled it: the address is not the vault's.
      "connect ECONNREFUSED 127.0.0.1:3128",
      "ECONNREFUSED",
      `https://${host}/secrets/x`,
      "reading x failed: ECONNREFUSED: the proxy 127.0.0.1:3128 refused the connection: check that the proxy runs at that address",
    ],
    [
      "getaddrinfo ENOTFOUND proxy.corp.example",
      "ENOTFOUND",
      `https://${host}/secrets/x`,
      "reading x failed: ENOTFOUND: the proxy's name proxy.corp.example could not be resolved (DNS): check the proxy's address and the runner's DNS",
    ],
    [
      // The vault's own name, resolved, at its own port: no proxy.
      "connect ECONNREFUSED 10.1.2.3:443",
      "ECONNREFUSED",
      `https://${host}/secrets/x`,
      "reading x failed: ECONNREFUSED: kv-app.vault.azure.net refused the connection: check the address, and that the vault accepts this runner's network (public network access, firewall)",
    ],
    [
      "connect ECONNREFUSED 127.0.0.1:8443",
      "ECONNREFUSED",
      "https://127.0.0.1:8443/secrets/x",
      "reading x failed: ECONNREFUSED: 127.0.0.1:8443 refused the connection: check the address, and that the vault accepts this runner's network (public network access, firewall)",
    ],
  ];
  for (const [message, code, url, expected] of cases) {
    const e = new RestError(message, { code, request: request(url) });
    const text = failure({ hint: setHint }, "reading x", e);
    assert.equal(shown(text), expected, message);
  }
});

void test("failure(): a proxy's refusal of the tunnel names the proxy and what it refused, never its reason phrase", () => {
  // network.ts's messages as the SDK keeps them (a RestError with the code and the message
  // only); the reason phrase after the status is the proxy's own text.
  const refused = (status: string, tail = "") =>
    `the proxy http://proxy.corp:3128 refused the tunnel to ${host}:443 (${status} echo-of-anything)${tail}`;
  const cases: [string, string, string][] = [
    [
      refused("407", ": it refused the proxy user name and password given"),
      "EPROXYAUTH",
      `reading x failed: EPROXYAUTH: the proxy http://proxy.corp:3128 refused the tunnel to ${host} (407 Proxy Authentication Required): it refused the proxy user name and password given: check them (the agent's proxy settings, or the user and password in HTTPS_PROXY)`,
    ],
    [
      refused("407", ": it asks for a user name and password, and none was given"),
      "EPROXYAUTHREQUIRED",
      `reading x failed: EPROXYAUTHREQUIRED: the proxy http://proxy.corp:3128 refused the tunnel to ${host} (407 Proxy Authentication Required): it asks for a user name and password, and none was given: give the proxy's credentials (the agent's proxy settings, or user:password in HTTPS_PROXY)`,
    ],
    [
      refused("403"),
      "EPROXYREFUSED",
      `reading x failed: EPROXYREFUSED: the proxy http://proxy.corp:3128 refused the tunnel to ${host} (403): check the proxy's rules for this host`,
    ],
    [
      `the proxy http://proxy.corp:3128 did not answer the CONNECT to ${host}:443 within 30 s`,
      "EPROXYTIMEOUT",
      `reading x failed: EPROXYTIMEOUT: the proxy http://proxy.corp:3128 did not answer the CONNECT to ${host} in time: check that the address is the proxy's and that it runs`,
    ],
  ];
  for (const [message, code, expected] of cases) {
    const e = new RestError(message, { code, request: request(`https://${host}/secrets/x`) });
    const text = failure({ hint: setHint }, "reading x", e);
    assert.equal(shown(text), expected, message);
    assert.equal(text.includes("echo-of-anything"), false, text);
  }
});
