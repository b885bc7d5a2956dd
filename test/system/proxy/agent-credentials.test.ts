// The credentials the agent hands the task (a user and password inside Agent.ProxyUrl, the proxy
// and client-certificate passwords, a service connection's authorization) never reach stdout
// unmasked, with System.Debug on: the task library echoes variables as debug lines while it
// loads, before any code of the task runs. Through the bundled task, as the agent runs it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withEmulator } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";

test("Azure Pipelines, System.Debug: no credential of the agent is printed, each is masked first", async () => {
  await withEmulator(async (emu) => {
    const user = secretValue("proxy-user").replace(/[^A-Za-z0-9]/g, "");
    const password = secretValue("proxy-url-password").replace(/[^A-Za-z0-9]/g, "");
    const proxyPassword = secretValue("proxy-password");
    const certPassword = secretValue("cert-password");
    const key = secretValue("principal-key");
    const idToken = secretValue("id-token");
    const run = await runTask({
      endpoint: emulatorEndpoint(emu, "ServicePrincipal", {
        authenticationType: "spnKey",
        serviceprincipalkey: key,
        idToken,
      }),
      env: emu.env(),
      // A bad input: the run stops before any request, after the library has loaded.
      inputs: { vaultUrl: "http://example.vault.azure.net", secrets: "a-name" },
      variables: {
        "System.Debug": "true",
        "Agent.ProxyUrl": `http://${user}:${password}@127.0.0.1:9`,
      },
      secretVariables: {
        "Agent.ProxyPassword": proxyPassword,
        "Agent.ClientCertPassword": certPassword,
      },
    });
    assert.equal(run.result, "Failed", run.stdout);
    // The library did load (and echo) with debug on: its lines are there, the credentials not.
    assert.match(run.stdout, /##vso\[task\.debug\]/);
    checkTaskLeaks("azure-pipelines agent credentials with System.Debug", run, [
      user,
      password,
      proxyPassword,
      certPassword,
      key,
      idToken,
    ]);
    assert.deepEqual(emu.requests, []);
  });
});
