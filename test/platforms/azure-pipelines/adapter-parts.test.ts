// The adapter's parts that need no agent: input names, plain output, the cloud and credential a
// service connection selects, task.json against the SPEC, and the harness's reading of commands
// against the task library's own writing of them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import {
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
} from "@azure/identity";
import { TaskCommand } from "azure-pipelines-task-lib/taskcommand.js";
import fc from "fast-check";
import { ValidationError } from "../../../src/core/errors.ts";
import type { InputName } from "../../../src/core/platform.ts";
import { endpointCloud } from "../../../src/platforms/azure-pipelines/endpoint-cloud.ts";
import { taskInputName } from "../../../src/platforms/azure-pipelines/inputs.ts";
import { plainLine, plainLines } from "../../../src/platforms/azure-pipelines/log-lines.ts";
import {
  connectServiceEndpoint,
  endpointSecrets,
} from "../../../src/platforms/azure-pipelines/service-connection.ts";
import type { ServiceEndpoint } from "../../../src/platforms/azure-pipelines/service-endpoint.ts";
import { parseCommands, taskInputs } from "../../helpers/pipelines-agent.ts";
import { secretValue } from "../../helpers/leaks.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");

const specInputs: InputName[] = [
  "mode",
  "vault-url",
  "workspace-name",
  "resource-group",
  "subscription-id",
  "secrets",
  "variable-prefix",
  "overwrite",
  "recover-deleted",
  "content-type",
  "tags",
  "expires-in",
  "not-before-in",
  "disable-previous-versions",
  "generate",
  "dry-run",
  "export-env",
  "allow-empty",
  "max-concurrency",
  "owner",
  "prune",
  "include-deleted",
  "out-file",
  "out-format",
  "output-variables",
  "output-prefix",
  "allow-reserved-names",
  "ignore-not-found",
  "run-as-pre-job",
  "request-timeout",
  "rotate-within",
  "validity",
  "graph-url",
  "authority-host",
];

describe("task.json", () => {
  const taskJson = JSON.parse(readFileSync(path.join(root, "task.json"), "utf8")) as {
    id: string;
    name: string;
    minimumAgentVersion: string;
    execution: Record<string, { target: string }>;
    outputVariables: { name: string }[];
    inputs: {
      name: string;
      type: string;
      required?: boolean;
      defaultValue?: string;
      helpMarkDown?: string;
    }[];
  };

  void test("has every SPEC input in camelCase, each explained, and nothing else but the service connection", () => {
    const names = taskJson.inputs.map((i) => i.name).sort();
    const expected = specInputs
      .map(taskInputName)
      .filter((n): n is string => n !== undefined)
      .concat("azureSubscription")
      .sort();
    assert.deepEqual(names, expected);
    for (const input of taskJson.inputs)
      assert.ok(input.helpMarkDown, `${input.name} has no helpMarkDown`);
    assert.equal(taskInputName("vault-url"), "vaultUrl");
    assert.equal(taskInputName("disable-previous-versions"), "disablePreviousVersions");
    assert.equal(
      taskInputName("subscription-id"),
      undefined,
      "the subscription comes from the connection",
    );
    assert.equal(taskInputName("export-env"), undefined, "values are always secret variables");
  });

  void test("takes a required AzureRM connection and the SPEC's defaults", () => {
    const input = (name: string) => taskJson.inputs.find((i) => i.name === name);
    assert.deepEqual(
      { type: input("azureSubscription")?.type, required: input("azureSubscription")?.required },
      { type: "connectedService:AzureRM", required: true },
    );
    const defaults = Object.fromEntries(
      taskJson.inputs
        .filter((i) => i.defaultValue !== undefined)
        .map((i) => [i.name, i.defaultValue]),
    );
    assert.deepEqual(defaults, {
      mode: "set",
      overwrite: "changed",
      recoverDeleted: "true",
      disablePreviousVersions: "false",
      allowEmpty: "false",
      dryRun: "false",
      prune: "false",
      includeDeleted: "false",
      outFormat: "dotenv",
      outputVariables: "false",
      allowReservedNames: "false",
      ignoreNotFound: "false",
      runAsPreJob: "false",
      requestTimeout: "30s",
    });
    assert.deepEqual(taskInputs().length, taskJson.inputs.length);
  });

  void test("runs the committed bundle on Node 24 with a Node 20 fallback, on an agent that has Node 24", () => {
    assert.match(taskJson.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(taskJson.name, "AmlSecrets");
    assert.deepEqual(Object.keys(taskJson.execution).sort(), ["Node20_1", "Node24"]);
    for (const handler of Object.values(taskJson.execution))
      assert.equal(handler.target, "dist/task.cjs");
    // 3.230.2 is the first agent with the Node20_1 handler (docs/agent-handlers.md).
    assert.equal(taskJson.minimumAgentVersion, "3.230.2");
    assert.deepEqual(taskJson.outputVariables.map((o) => o.name).sort(), [
      "changed",
      "names",
      "outFile",
      "result",
      "vaultUrl",
    ]);
  });
});

describe("plain output", () => {
  void test("no line of a message can become a logging command or formatting", () => {
    const lines = plainLines(
      "ok\r##vso[task.setvariable variable=x]y\nvault said ##VSO[task.complete result=Failed]\r\n##[group]z",
    );
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.equal(parseCommands([line]).length, 0, line);
      assert.doesNotMatch(line, /^##\[/);
    }
    assert.equal(lines[0], "ok");
    assert.equal(plainLine("a\nb"), "a b");
  });
});

describe("the harness reads commands as the agent does", () => {
  void test("any data and property the task library writes comes back byte for byte", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary" }),
        (data, property) => {
          const line = new TaskCommand(
            "task.setvariable",
            { variable: "X", issecret: "true", extra: property },
            data,
          ).toString();
          assert.doesNotMatch(line, /[\r\n]/);
          const [command] = parseCommands([line]);
          assert.equal(command?.name, "task.setvariable");
          assert.equal(command?.data, data);
          assert.equal(command?.properties.extra ?? "", property);
        },
      ),
    );
  });

  void test("escapes exactly as the agent expects", () => {
    const line = new TaskCommand("task.setsecret", {}, "a%b\r\nc;]d").toString();
    assert.equal(line, "##vso[task.setsecret]a%AZP25b%0D%0Ac;]d");
    assert.equal(parseCommands([line])[0]?.data, "a%b\r\nc;]d");
  });
});

function endpoint(overrides: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return {
    id: "3f2a0d4e-0000-4000-8000-000000000001",
    url: "https://management.azure.com/",
    scheme: "ServicePrincipal",
    auth: {
      tenantid: "tenant-1",
      serviceprincipalid: "client-1",
      serviceprincipalkey: secretValue("spn-key"),
    },
    data: { subscriptionid: "sub-1", environment: "AzureCloud" },
    ...overrides,
  };
}

describe("the cloud a service connection selects", () => {
  void test("public clouds from the environment, with the connection's own URLs first", () => {
    const problems: string[] = [];
    const china = endpointCloud(
      endpoint({ url: undefined, data: { environment: "AzureChinaCloud" } }),
      problems,
    );
    assert.deepEqual(china.cloud, {
      name: "AzureChinaCloud",
      resourceManager: "https://management.chinacloudapi.cn",
      vaultSuffix: ".vault.azure.cn",
    });
    assert.equal(china.authorityHost, "https://login.chinacloudapi.cn");
    assert.equal(china.disableInstanceDiscovery, false);

    const own = endpointCloud(
      endpoint({
        url: "https://management.usgovcloudapi.net/",
        data: {
          environment: "AzureUSGovernment",
          activedirectoryauthority: "https://login.microsoftonline.us/",
          azurekeyvaultdnssuffix: "vault.usgovcloudapi.net",
        },
      }),
      problems,
    );
    assert.equal(own.cloud.resourceManager, "https://management.usgovcloudapi.net");
    assert.equal(own.resourceManagerUrl, undefined, "requests go where tokens are for");
    assert.equal(own.cloud.vaultSuffix, ".vault.usgovcloudapi.net");
    assert.equal(own.authorityHost, "https://login.microsoftonline.us");
    assert.deepEqual(problems, []);
  });

  void test("Azure Stack carries its own URLs; AD FS and private authorities skip instance discovery", () => {
    const problems: string[] = [];
    const stack = endpointCloud(
      endpoint({
        url: "https://management.local.azurestack.external/",
        data: {
          environment: "AzureStack",
          environmentauthorityurl: "https://adfs.local.azurestack.external/adfs/",
        },
      }),
      problems,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(stack.cloud, {
      name: "AzureStack",
      resourceManager: "https://management.local.azurestack.external",
      vaultSuffix: ".vault.local.azurestack.external",
    });
    assert.equal(stack.resourceManagerUrl, undefined);
    assert.equal(stack.adfs, true);
    assert.equal(stack.authorityHost, "https://adfs.local.azurestack.external");
    assert.equal(stack.disableInstanceDiscovery, true);
  });

  void test("tokens are for the cloud's ARM (or Azure Stack's audience) while requests go to the connection's URL", () => {
    const problems: string[] = [];
    const privateArm = endpointCloud(endpoint({ url: "https://127.0.0.1:8443/" }), problems);
    assert.equal(privateArm.cloud.resourceManager, "https://management.azure.com");
    assert.equal(privateArm.resourceManagerUrl, "https://127.0.0.1:8443");
    const stack = endpointCloud(
      endpoint({
        url: "https://management.region.stack.example/",
        data: {
          environment: "AzureStack",
          activedirectoryauthority: "https://login.microsoftonline.com/",
          activedirectoryserviceendpointresourceid: "https://management.stack.example/0a1b2c3d",
        },
      }),
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(stack.cloud.resourceManager, "https://management.stack.example/0a1b2c3d");
    assert.equal(stack.resourceManagerUrl, "https://management.region.stack.example");
    assert.equal(stack.cloud.vaultSuffix, ".vault.region.stack.example");
    assert.equal(stack.adfs, false);
    assert.equal(stack.disableInstanceDiscovery, false);
  });

  void test("an Azure Stack connection without its URLs, an unknown cloud and plain http are problems", () => {
    const problems: string[] = [];
    endpointCloud(endpoint({ url: undefined, data: { environment: "AzureStack" } }), problems);
    endpointCloud(endpoint({ data: { environment: "Mars" } }), problems);
    endpointCloud(endpoint({ url: "http://management.azure.com" }), problems);
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems[0] ?? "", /AzureStack connection needs its Resource Manager URL/);
    assert.match(problems[1] ?? "", /AzureStack connection needs its authority/);
    assert.match(problems[2] ?? "", /environment Mars/);
    assert.match(problems[3] ?? "", /must use https/);
  });
});

describe("the credential a service connection selects", () => {
  void test("each scheme gives its identity class, and the description names no secret", () => {
    const key = endpoint();
    const secret = connectServiceEndpoint(key);
    assert.ok(secret.credential instanceof ClientSecretCredential);
    assert.equal(secret.subscriptionId, "sub-1");
    assert.deepEqual(secret.secrets, endpointSecrets(key));
    assert.ok(!secret.describe.includes(key.auth.serviceprincipalkey ?? "?"));
    assert.match(
      secret.describe,
      /service principal with a secret, client client-1, tenant tenant-1/,
    );
    assert.match(secret.hint, /client secret of app registration client-1 has not expired/);

    const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const cert = connectServiceEndpoint(
      endpoint({
        auth: {
          tenantid: "t",
          serviceprincipalid: "c",
          authenticationtype: "spnCertificate",
          serviceprincipalcertificate: pem,
        },
      }),
    );
    assert.ok(cert.credential instanceof ClientCertificateCredential);
    assert.deepEqual(cert.secrets, [pem]);

    const msi = connectServiceEndpoint(
      endpoint({ scheme: "ManagedServiceIdentity", auth: {}, data: { msiclientid: "mi-1" } }),
    );
    assert.ok(msi.credential instanceof ManagedIdentityCredential);
    assert.match(msi.describe, /managed identity, client mi-1/);
  });

  void test("workload identity federation uses the job's token and the OIDC request URI", () => {
    const before = process.env.SYSTEM_OIDCREQUESTURI;
    // AzurePipelinesCredential reads the URI from the environment itself, as the agent sets it.
    process.env.SYSTEM_OIDCREQUESTURI = "https://127.0.0.1:1/oidc";
    try {
      const token = secretValue("access-token");
      const wif = connectServiceEndpoint(
        endpoint({
          scheme: "WorkloadIdentityFederation",
          auth: { tenantid: "t", serviceprincipalid: "c" },
          systemAccessToken: token,
          oidcRequestUri: process.env.SYSTEM_OIDCREQUESTURI,
        }),
      );
      assert.ok(wif.credential instanceof AzurePipelinesCredential);
      assert.deepEqual(wif.secrets, [token]);
      assert.match(wif.hint, /federated credential/);
    } finally {
      if (before === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
      else process.env.SYSTEM_OIDCREQUESTURI = before;
    }
  });

  void test("every problem with a connection is reported at once", () => {
    assert.throws(
      () =>
        connectServiceEndpoint(
          endpoint({
            scheme: "WorkloadIdentityFederation",
            auth: {},
            data: { environment: "Mars" },
          }),
        ),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.problems.length, 5, e.problems.join("\n"));
        for (const what of [
          "environment Mars",
          "tenant id",
          "client id",
          "access token",
          "SYSTEM_OIDCREQUESTURI",
        ]) {
          assert.ok(
            e.problems.some((p) => p.includes(what)),
            what,
          );
        }
        return true;
      },
    );
    assert.throws(
      () => connectServiceEndpoint(endpoint({ scheme: "UsernamePassword" })),
      /UsernamePassword is not supported/,
    );
    assert.throws(
      () => connectServiceEndpoint(endpoint({ auth: { tenantid: "t", serviceprincipalid: "c" } })),
      /client secret \(authorization parameter serviceprincipalkey\) is missing/,
    );
  });
});
