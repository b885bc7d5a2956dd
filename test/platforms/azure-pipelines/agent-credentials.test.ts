// Which values of the agent's environment are credentials, read before the task library loads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { agentCredentials } from "../../../src/platforms/azure-pipelines/agent-credentials.ts";

test("the user and password inside Agent.ProxyUrl, as written and decoded", () => {
  assert.deepEqual(agentCredentials({ AGENT_PROXYURL: "http://me:p%40ss@proxy:8080" }).sort(), [
    "me",
    "p%40ss",
    "p@ss",
  ]);
  assert.deepEqual(agentCredentials({ AGENT_PROXYURL: "http://proxy:8080" }), []);
  // Not a URL the parser takes: the userinfo is still found.
  assert.deepEqual(agentCredentials({ AGENT_PROXYURL: "http://me:pw@[bad" }), ["me", "pw"]);
});

test("the proxy and certificate passwords, plain or as secret variables", () => {
  assert.deepEqual(
    agentCredentials({ SECRET_AGENT_PROXYPASSWORD: "a", AGENT_CLIENTCERTPASSWORD: "b" }),
    ["a", "b"],
  );
});

test("every authorization parameter but those known to name an identity", () => {
  const id = "5b1b6f4c-0000-4000-8000-000000000001";
  const found = agentCredentials({
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({
      parameters: {
        tenantid: "t",
        serviceprincipalid: "c",
        serviceprincipalkey: "k",
        idToken: "i",
      },
      scheme: "ServicePrincipal",
    }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: "ServicePrincipal",
    [`ENDPOINT_AUTH_PARAMETER_${id}_TENANTID`]: "t",
    [`ENDPOINT_AUTH_PARAMETER_${id}_SERVICEPRINCIPALCERTIFICATE`]: "pem",
    [`ENDPOINT_AUTH_PARAMETER_${id}_SOMENEWFIELD`]: "new",
  });
  assert.deepEqual(found.sort(), ["i", "k", "new", "pem"]);
  // An authorization that is not the agent's JSON is all secret.
  assert.deepEqual(agentCredentials({ ENDPOINT_AUTH_x: "not json" }), ["not json"]);
});
