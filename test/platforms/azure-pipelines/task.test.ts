// The bundled task (dist/task.cjs, `npm run build`) run as the agent runs it, against the emulator,
// with the real @azure/identity credential of each kind of service connection.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import forge from "node-forge";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { canary, pemValue, secretValue } from "../../helpers/leaks.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  type TaskRun,
  type TaskRunOptions,
} from "../../helpers/pipelines-agent.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const emulator = emulatorPerFile();

/**
 * The agent machine's environment: the emulator's CA and managed-identity endpoint, but not its
 * AZURE_AUTHORITY_HOST, so that the authority can only come from the service connection.
 */
function machineEnv(): Record<string, string> {
  const env = emulator().env();
  delete env.AZURE_AUTHORITY_HOST;
  return env;
}

/** Data every AzureRM connection to the emulator carries: its cloud is the emulator. */
/** A federated connection with the job's token and OIDC request URI, as the agent provides them. */
function federated(
  accessToken = secretValue("access-token"),
): Pick<TaskRunOptions, "endpoint" | "systemAccessToken" | "variables" | "env"> {
  return {
    endpoint: emulatorEndpoint(emulator(), "WorkloadIdentityFederation"),
    systemAccessToken: accessToken,
    variables: { "System.OidcRequestUri": emulator().pipelinesOidcUrl },
    env: machineEnv(),
  };
}

interface Row {
  name: string;
  source: string;
  action: string;
  version?: string;
  error?: string;
}

function rows(run: TaskRun): Row[] {
  const result = run.variables.result;
  assert.ok(result, "the task set no result output");
  assert.equal(result.output, true);
  assert.equal(result.secret, false);
  return JSON.parse(result.value) as Row[];
}

function describeRun(run: TaskRun): string {
  return `exit ${run.exitCode}, result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
}

describe("set", () => {
  void test("multi-line, unicode and command-like values are stored byte for byte, each masked first", async () => {
    const id = unique();
    const values = {
      PEM_KEY: pemValue(),
      UNICODE_VALUE: `pässwörd-密码-🔑-${canary()}`,
      COMMAND_LIKE: `100%AZP25 %0A;]##vso[task.complete result=Failed]\r${canary()}`,
    };
    const plain = secretValue("plain");
    const connection = federated();
    const run = await runTask({
      ...connection,
      inputs: {
        vaultUrl: emulator().vaultUrl,
        secrets: [
          `pem-${id}: PEM_KEY`,
          `# a comment, then a blank line`,
          ``,
          `unicode-${id}: UNICODE_VALUE`,
          `command-${id}: COMMAND_LIKE`,
          `plain-${id}: Plain.Value`,
        ].join("\n"),
      },
      secretVariables: values,
      // System.Debug: the task library's debug lines are all printed, none may carry a value.
      variables: { ...connection.variables, "Plain.Value": plain, "System.Debug": "true" },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.equal(run.exitCode, 0);
    assert.equal(emulator().versions(`pem-${id}`).at(-1)?.value, values.PEM_KEY);
    assert.equal(emulator().versions(`unicode-${id}`).at(-1)?.value, values.UNICODE_VALUE);
    assert.equal(emulator().versions(`command-${id}`).at(-1)?.value, values.COMMAND_LIKE);
    assert.equal(emulator().versions(`plain-${id}`).at(-1)?.value, plain);
    assert.deepEqual(
      rows(run).map((r) => [r.name, r.action]),
      [`pem-${id}`, `unicode-${id}`, `command-${id}`, `plain-${id}`].map((n) => [n, "created"]),
    );
    assert.equal(run.variables.changed?.value, "4");
    assert.equal(run.summaries.length, 1);
    assert.match(run.summaries[0] ?? "", new RegExp(`unicode-${id}`));
    // The command-like value never became a command of its own.
    assert.equal(run.commands.filter((c) => c.name === "task.complete").length, 1);
    checkTaskLeaks("azure-pipelines set multi-line unicode command-like", run, [
      ...Object.values(values),
      plain,
      connection.systemAccessToken ?? "",
    ]);
  });

  void test("a second run with the same inputs changes nothing and writes nothing", async () => {
    const id = unique();
    const value = secretValue("rerun");
    const connection = federated();
    const options: TaskRunOptions = {
      ...connection,
      inputs: { vaultUrl: emulator().vaultUrl, secrets: `rerun-${id}: RERUN_VALUE` },
      secretVariables: { RERUN_VALUE: value },
    };
    const first = await runTask(options);
    assert.equal(first.result, "Succeeded", describeRun(first));
    emulator().clearRequests();
    const second = await runTask(options);
    assert.equal(second.result, "Succeeded", describeRun(second));
    assert.deepEqual(
      rows(second).map((r) => [r.name, r.action]),
      [[`rerun-${id}`, "unchanged"]],
    );
    assert.equal(second.variables.changed?.value, "0");
    assert.equal(emulator().versions(`rerun-${id}`).length, 1);
    assert.deepEqual(
      emulator().requests.filter((r) => r.kind === "secret-write"),
      [],
    );
    checkTaskLeaks("azure-pipelines set re-run", first, [value]);
    checkTaskLeaks("azure-pipelines set re-run second", second, [value]);
  });

  void test("variablePrefix takes every variable with the prefix, secret or not, and strips it", async () => {
    const id = unique().toUpperCase();
    const prefix = `APP${id}_`;
    const secret = secretValue("prefixed-secret");
    const plain = secretValue("prefixed-plain");
    const other = secretValue("not-prefixed");
    const connection = federated();
    const run = await runTask({
      ...connection,
      inputs: { vaultUrl: emulator().vaultUrl, variablePrefix: prefix },
      secretVariables: { [`${prefix}DB_PASSWORD`]: secret, [`OTHER${id}_TOKEN`]: other },
      variables: { ...connection.variables, [`${prefix}API_TOKEN`]: plain },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.equal(emulator().versions("db-password").at(-1)?.value, secret);
    assert.equal(emulator().versions("api-token").at(-1)?.value, plain);
    assert.deepEqual(emulator().versions(`other${id.toLowerCase()}-token`), []);
    assert.deepEqual(
      rows(run)
        .map((r) => r.name)
        .sort(),
      ["api-token", "db-password"],
    );
    checkTaskLeaks("azure-pipelines set variablePrefix", run, [secret, plain, other]);
  });

  void test("bad input fails the task, names every problem, and makes no request", async () => {
    const id = unique();
    const value = secretValue("bad-input");
    const connection = federated();
    emulator().clearRequests();
    const run = await runTask({
      ...connection,
      inputs: {
        mode: "sideways",
        overwrite: "sometimes",
        vaultUrl: "http://example.vault.azure.net",
        secrets: [
          `good-${id}: GOOD_VALUE`,
          `bad_name!: GOOD_VALUE`,
          `missing-${id}: NOT_SET_ANYWHERE`,
        ].join("\n"),
      },
      secretVariables: { GOOD_VALUE: value },
    });
    assert.equal(run.result, "Failed", describeRun(run));
    assert.notEqual(run.exitCode, null);
    const message = run.errors.join("\n");
    for (const named of [
      "sideways",
      "sometimes",
      "http://example.vault.azure.net",
      "bad_name!",
      "NOT_SET_ANYWHERE",
    ]) {
      assert.ok(message.includes(named), `the failure does not name ${named}:\n${message}`);
    }
    assert.deepEqual(emulator().requests, [], "a request was made");
    assert.deepEqual(emulator().versions(`good-${id}`), []);
    checkTaskLeaks("azure-pipelines set bad input", run, [
      value,
      connection.systemAccessToken ?? "",
    ]);
  });
});

describe("workspace", () => {
  void test("the vault is found from the workspace in the connection's subscription, through its ARM URL", async () => {
    const id = unique();
    const connection = federated();
    const subscriptionId = connection.endpoint?.data?.subscriptionId ?? "";
    emulator().addWorkspace({
      subscriptionId,
      resourceGroup: `rg-${id}`,
      name: `mlw-${id}`,
      vaultName: `kv-${id}`,
    });
    const value = secretValue("workspace");
    const run = await runTask({
      ...connection,
      inputs: {
        workspaceName: `mlw-${id}`,
        resourceGroup: `rg-${id}`,
        secrets: `ws-${id}: WS_VALUE`,
      },
      secretVariables: { WS_VALUE: value },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.equal(emulator().versions(`ws-${id}`).at(-1)?.value, value);
    assert.ok(
      emulator().requests.some((r) => r.kind === "arm" && r.path.includes(subscriptionId)),
      "the workspace was not looked up in the connection's subscription",
    );
    checkTaskLeaks("azure-pipelines workspace look-up", run, [
      value,
      connection.systemAccessToken ?? "",
    ]);
  });
});

describe("get", () => {
  void test("vault secrets become job secret variables, masked before they are set", async () => {
    const id = unique();
    const value = `${secretValue("got")} 100%AZP25;]##vso[x]`;
    emulator().seed(`got-${id}`, value);
    const token = secretValue("get-access-token");
    const run = await runTask({
      ...federated(token),
      inputs: { mode: "get", vaultUrl: emulator().vaultUrl, secrets: `got-${id}: GOT_VALUE` },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.deepEqual(run.variables.GOT_VALUE, { value, secret: true, output: false });
    checkTaskLeaks("azure-pipelines get single-line", run, [value, token]);
  });

  void test("a multi-line value needs System.UnsafeAllowMultilineSecret, and is then handed on unchanged", async () => {
    const id = unique();
    const pem = pemValue();
    emulator().seed(`pem-got-${id}`, pem);
    const connection = federated();
    const options: TaskRunOptions = {
      ...connection,
      inputs: { mode: "get", vaultUrl: emulator().vaultUrl, secrets: `pem-got-${id}: PEM_GOT` },
    };
    const refused = await runTask(options);
    assert.equal(refused.result, "Failed", describeRun(refused));
    assert.match(refused.errors.join("\n"), /System\.UnsafeAllowMultilineSecret/);
    assert.equal(refused.variables.PEM_GOT, undefined);
    checkTaskLeaks("azure-pipelines get multi-line refused", refused, [pem]);

    const allowed = await runTask({
      ...options,
      variables: { ...connection.variables, "System.UnsafeAllowMultilineSecret": "true" },
    });
    assert.equal(allowed.result, "Succeeded", describeRun(allowed));
    assert.deepEqual(allowed.variables.PEM_GOT, { value: pem, secret: true, output: false });
    assert.ok(
      allowed.masked.includes(pem),
      "the whole value was not registered where the job allows it",
    );
    checkTaskLeaks("azure-pipelines get multi-line allowed", allowed, [pem]);
  });
});

describe("service connections", () => {
  async function setWith(
    scenario: string,
    connection: Pick<TaskRunOptions, "endpoint" | "systemAccessToken" | "variables" | "env">,
    connectionSecrets: string[],
  ): Promise<TaskRun> {
    const id = unique();
    const value = secretValue(scenario.replace(/\W+/g, "-"));
    const run = await runTask({
      ...connection,
      inputs: { vaultUrl: emulator().vaultUrl, secrets: `conn-${id}: CONN_VALUE` },
      secretVariables: { CONN_VALUE: value },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.equal(emulator().versions(`conn-${id}`).at(-1)?.value, value);
    for (const secret of connectionSecrets) {
      for (const line of secret.split(/\r\n|\n/).filter(Boolean))
        assert.ok(run.masked.includes(line), "a connection secret was not masked");
    }
    checkTaskLeaks(`azure-pipelines connection ${scenario}`, run, [value, ...connectionSecrets]);
    return run;
  }

  void test("workload identity federation: AzurePipelinesCredential with the job's token", async () => {
    const token = secretValue("system-access-token");
    emulator().clearRequests();
    await setWith("workload identity", federated(token), [token]);
    assert.ok(
      emulator().requests.some((r) => r.kind === "oidc"),
      "the OIDC stand-in was never asked",
    );
  });

  void test("service principal with a secret: ClientSecretCredential", async () => {
    const key = secretValue("spn-key");
    const endpoint = emulatorEndpoint(emulator(), "ServicePrincipal", {
      authenticationType: "spnKey",
      serviceprincipalkey: key,
    });
    await setWith("service principal secret", { endpoint, env: machineEnv() }, [key]);
  });

  void test("service principal with a certificate: ClientCertificateCredential, from memory", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const key = forge.pki.privateKeyFromPem(keyPem);
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = "01";
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 3_600_000);
    const subject = [{ name: "commonName", value: `aml-secrets-test-${unique()}` }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.sign(key, forge.md.sha256.create());
    const pem = `${forge.pki.certificateToPem(cert)}${keyPem}`;
    const endpoint = emulatorEndpoint(emulator(), "ServicePrincipal", {
      authenticationType: "spnCertificate",
      servicePrincipalCertificate: pem,
    });
    await setWith("service principal certificate", { endpoint, env: machineEnv() }, [pem]);
  });

  void test("managed identity: ManagedIdentityCredential", async () => {
    const endpoint = emulatorEndpoint(emulator(), "ManagedServiceIdentity");
    emulator().clearRequests();
    await setWith("managed identity", { endpoint, env: machineEnv() }, []);
    assert.ok(
      emulator().requests.some((r) => r.path.startsWith("/msi/")),
      "the managed-identity endpoint was never asked",
    );
  });

  void test("the Node24 handler runs the same bundle (a real Node 24 from the npm registry)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/node24.mjs"], {
      cwd: root,
    });
    const node = stdout.trim();
    const id = unique();
    const value = `${pemValue()}${secretValue("node24")}`;
    const token = secretValue("node24-access-token");
    const run = await runTask({
      ...federated(token),
      node,
      inputs: { vaultUrl: emulator().vaultUrl, secrets: `node24-${id}: NODE24_VALUE` },
      secretVariables: { NODE24_VALUE: value },
    });
    assert.equal(run.result, "Succeeded", describeRun(run));
    assert.equal(emulator().versions(`node24-${id}`).at(-1)?.value, value);
    checkTaskLeaks("azure-pipelines node24 handler", run, [value, token]);
  });

  void test("a federated connection without the job's token or OIDC URI fails before any request", async () => {
    const value = secretValue("no-token");
    emulator().clearRequests();
    const run = await runTask({
      endpoint: emulatorEndpoint(emulator(), "WorkloadIdentityFederation"),
      env: machineEnv(),
      inputs: { vaultUrl: emulator().vaultUrl, secrets: `no-token-${unique()}: NO_TOKEN_VALUE` },
      secretVariables: { NO_TOKEN_VALUE: value },
    });
    assert.equal(run.result, "Failed", describeRun(run));
    const message = run.errors.join("\n");
    assert.match(message, /WorkloadIdentityFederation/);
    assert.match(message, /access token/);
    assert.match(message, /SYSTEM_OIDCREQUESTURI/);
    assert.deepEqual(emulator().requests, []);
    checkTaskLeaks("azure-pipelines connection without token", run, [value]);
  });
});
