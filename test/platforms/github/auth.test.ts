// The GitHub adapter's auth choice, in process: which credential the inputs pick, every problem
// reported together, the client secret masked first, no request while building, and a failed
// token request that names the path tried and the fix.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ValidationError, resolveUntrusted } from "../../../src/core/errors.ts";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { Reporter, withheld } from "../../../src/core/report/reporter.ts";
import { failure } from "../../../src/core/vault/service-error.ts";
import { MemoryPlatform } from "../../helpers/memory-platform.ts";
import {
  CredentialError,
  connectGitHub,
  explainFailures,
  type AuthContext,
  type AuthInputName,
} from "../../../src/platforms/github/auth.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

interface Fake extends AuthContext {
  masked: string[];
  idTokenAudiences: string[];
}

function fakeContext(
  inputs: Partial<Record<AuthInputName, string>>,
  env: Record<string, string> = {},
  getIDToken: (audience: string) => Promise<string> = () => Promise.reject(new Error("no OIDC")),
): Fake {
  const fake: Fake = {
    masked: [],
    idTokenAudiences: [],
    input: (name) => inputs[name] || undefined,
    env,
    mask: (value) => fake.masked.push(value),
    getIDToken: (audience) => {
      fake.idTokenAudiences.push(audience);
      return getIDToken(audience);
    },
  };
  return fake;
}

const ids = {
  "client-id": "11111111-2222-3333-4444-555555555555",
  "tenant-id": "contoso.onmicrosoft.com",
};
const oidcEnv = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://127.0.0.1:1/token?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  assert.fail("expected a ValidationError");
}

describe("GitHub auth: which credential the inputs pick", () => {
  void test("auto with client-id, tenant-id and client-secret uses the secret, masked first", () => {
    const secret = secretValue("client-secret");
    const ctx = fakeContext({ ...ids, "client-secret": secret });
    const connection = connectGitHub(ctx);
    assert.deepEqual(ctx.masked, [secret]);
    assert.deepEqual(connection.secrets, [secret]);
    assert.match(
      connection.describe,
      /^client secret \(client 11111111-2222-3333-4444-555555555555, tenant contoso/,
    );
    assert.match(connection.hint, /client-secret is current/);
    assertNoLeaks({ describe: connection.describe, hint: connection.hint }, [secret], "none");
    recordScenario(
      "github-auth-client-secret",
      { describe: connection.describe, hint: connection.hint },
      [secret],
      "github",
    );
  });

  void test("auto with client-id and tenant-id alone uses GitHub OIDC", () => {
    const connection = connectGitHub(fakeContext(ids, oidcEnv));
    assert.match(connection.describe, /^GitHub OIDC \(client 1111/);
    assert.match(connection.hint, /id-token: write/);
    assert.match(connection.hint, /subject/);
    assert.equal(connection.secrets, undefined);
  });

  void test("auto with neither uses the Azure CLI session of azure/login", () => {
    const connection = connectGitHub(fakeContext({}));
    assert.match(connection.describe, /Azure CLI/);
    assert.match(connection.hint, /azure\/login/);
  });

  void test("managed-identity, with and without a client id", () => {
    assert.match(
      connectGitHub(fakeContext({ auth: "managed-identity", "client-id": ids["client-id"] }))
        .describe,
      /user-assigned managed identity \(client 1111/,
    );
    assert.match(
      connectGitHub(fakeContext({ auth: "managed-identity" })).describe,
      /system-assigned/,
    );
  });

  void test("auto with only one of client-id and tenant-id is a problem naming the missing one", () => {
    const problems = problemsOf(() =>
      connectGitHub(fakeContext({ "client-id": ids["client-id"] })),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /tenant-id missing/);
  });

  void test("a client secret without the ids is a problem, and is still masked", () => {
    const secret = secretValue("stray-secret");
    const ctx = fakeContext({ "client-secret": secret });
    const problems = problemsOf(() => connectGitHub(ctx));
    assert.match(problems[0] ?? "", /client-id and tenant-id missing/);
    assert.deepEqual(ctx.masked, [secret]);
    assertNoLeaks({ problems: problems.join("\n") }, [secret], "none");
  });

  void test("explicit client-secret reports each missing input", () => {
    const problems = problemsOf(() => connectGitHub(fakeContext({ auth: "client-secret" })));
    assert.equal(problems.length, 3);
    assert.match(problems.join("\n"), /client-id/);
    assert.match(problems.join("\n"), /tenant-id/);
    assert.match(problems.join("\n"), /needs the input client-secret/);
  });

  void test("OIDC without the id-token permission says to add it", () => {
    for (const inputs of [ids, { ...ids, auth: "oidc" }]) {
      const problems = problemsOf(() => connectGitHub(fakeContext(inputs)));
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? "", /permissions: id-token: write/);
    }
  });

  void test("bad auth, cloud, tenant and ARM URL are reported together", () => {
    const problems = problemsOf(() =>
      connectGitHub(
        fakeContext({
          auth: "password",
          cloud: "Mars",
          "tenant-id": "not a tenant",
          "resource-manager-url": "http://management.example",
        }),
      ),
    );
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems.join("\n"), /auth 'password'/);
    assert.match(problems.join("\n"), /cloud 'Mars'/);
    assert.match(problems.join("\n"), /tenant-id 'not a tenant'/);
    assert.match(problems.join("\n"), /resource-manager-url/);
  });

  void test("cloud selects the vault suffix and ARM; resource-manager-url and subscription-id pass through", () => {
    const china = connectGitHub(fakeContext({ cloud: "AzureChinaCloud" }));
    assert.equal(china.cloud.vaultSuffix, ".vault.azure.cn");
    assert.equal(china.cloud.resourceManager, "https://management.chinacloudapi.cn");
    const gov = connectGitHub(
      fakeContext({
        cloud: "azureusgovernment",
        "resource-manager-url": "https://arm.contoso.example/",
        "subscription-id": "sub-1",
      }),
    );
    assert.equal(gov.cloud.name, "AzureUSGovernment");
    assert.equal(gov.cloud.vaultSuffix, ".vault.usgovcloudapi.net");
    // The endpoint moves; tokens stay for the cloud's ARM.
    assert.equal(gov.cloud.resourceManager, "https://management.usgovcloudapi.net");
    assert.equal(gov.resourceManagerUrl, "https://arm.contoso.example");
    assert.equal(gov.subscriptionId, "sub-1");
  });
});

describe("GitHub auth against the emulator's Entra stand-in", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  void test("building a credential makes no request", () => {
    emulator.clearRequests();
    for (const inputs of [
      {},
      { ...ids, "client-secret": secretValue() },
      { auth: "managed-identity" },
    ]) {
      connectGitHub(fakeContext(inputs, { AZURE_AUTHORITY_HOST: emulator.authorityHost }));
    }
    connectGitHub(fakeContext(ids, { ...oidcEnv, AZURE_AUTHORITY_HOST: emulator.authorityHost }));
    assert.deepEqual(emulator.requests, []);
  });

  void test("OIDC asks GitHub for a token with Entra's audience and exchanges it", async () => {
    const ctx = fakeContext(
      { ...ids, "tenant-id": emulator.tenantId },
      { ...oidcEnv, AZURE_AUTHORITY_HOST: emulator.authorityHost },
      async (audience) => {
        const url = `${emulator.githubOidcUrl}&audience=${encodeURIComponent(audience)}`;
        const response = await fetch(url, { headers: { authorization: "Bearer request-token" } });
        return ((await response.json()) as { value: string }).value;
      },
    );
    const token = await connectGitHub(ctx).credential.getToken("https://vault.azure.net/.default");
    assert.ok(token?.token);
    assert.ok(ctx.idTokenAudiences.length > 0);
    assert.ok(ctx.idTokenAudiences.every((a) => a === "api://AzureADTokenExchange"));
    assert.ok(emulator.requests.some((r) => r.kind === "token" && r.status === 200));
  });

  void test("OIDC asks for the cloud's audience, or the one the audience input names", async () => {
    const asked = async (inputs: Partial<Record<AuthInputName, string>>): Promise<string[]> => {
      const ctx = fakeContext(
        { ...ids, "tenant-id": emulator.tenantId, ...inputs },
        { ...oidcEnv, AZURE_AUTHORITY_HOST: emulator.authorityHost },
        () => Promise.reject(new Error("no OIDC here")),
      );
      const credential = connectGitHub(ctx).credential;
      await assert.rejects(credential.getToken("https://vault.azure.net/.default"));
      return [...new Set(ctx.idTokenAudiences)];
    };
    assert.deepEqual(await asked({ cloud: "AzureUSGovernment" }), [
      "api://AzureADTokenExchangeUSGov",
    ]);
    assert.deepEqual(await asked({ cloud: "AzureChinaCloud" }), [
      "api://AzureADTokenExchangeChina",
    ]);
    assert.deepEqual(await asked({ audience: "api://contoso-federation" }), [
      "api://contoso-federation",
    ]);
  });

  void test("a failed token request names the path tried and what to fix", async () => {
    const ctx = fakeContext(
      { ...ids, "tenant-id": emulator.tenantId },
      { ...oidcEnv, AZURE_AUTHORITY_HOST: emulator.authorityHost },
      () => Promise.reject(new Error("Failed to get ID Token. Error Code : 403")),
    );
    const credential = connectGitHub(ctx).credential;
    await assert.rejects(
      credential.getToken("https://vault.azure.net/.default"),
      (e: unknown) =>
        e instanceof CredentialError &&
        /with GitHub OIDC \(client 1111/.test(e.message) &&
        // The token endpoint's words are held as a marker, for the reporter to judge.
        /Failed to get ID Token/.test(resolveUntrusted(e.message, (server) => server)) &&
        /id-token: write/.test(e.message) &&
        !e.message.includes("\n"),
    );
  });

  void test("a client secret is exchanged at the authority AZURE_AUTHORITY_HOST names", async () => {
    const secret = secretValue("client-secret");
    const ctx = fakeContext(
      { ...ids, "tenant-id": emulator.tenantId, "client-secret": secret },
      { AZURE_AUTHORITY_HOST: emulator.authorityHost },
    );
    const connection = connectGitHub(ctx);
    const token = await connection.credential.getToken("https://vault.azure.net/.default");
    assert.ok(token?.token);
    assert.match(connection.describe, /authority https:\/\/127\.0\.0\.1:/);
  });
});

void test("a token endpoint's text that quotes a value is withheld; the path tried and its hint stay", async () => {
  const value = secretValue("quoted");
  const hint = "check that client-secret is current for that application";
  // As an authority (or a proxy in front of it) might answer: the secret it was sent, quoted.
  const inner = {
    getToken: () =>
      Promise.reject(new Error(`AADSTS7000215: Invalid client secret provided: '${value}'.`)),
  };
  const credential = explainFailures(inner, "client secret (client 1111, tenant t)", hint);
  const e = await credential.getToken("https://vault.azure.net/.default").then(
    () => assert.fail("the token request succeeded"),
    (error: unknown) => error,
  );
  assert.ok(e instanceof CredentialError);
  const platform = new MemoryPlatform();
  const reporter = new Reporter(platform);
  reporter.remember(value);
  const shown = reporter.text(failure({ hint: "the vault role" }, "reading db", e));
  assert.equal(shown.includes(value.slice(-12)), false, shown);
  assert.ok(shown.includes(withheld), shown);
  assert.match(
    shown,
    /could not get a token for https:\/\/vault\.azure\.net\/\.default with client secret \(client 1111, tenant t\)/,
  );
  assert.ok(shown.includes(hint), `the hint is kept: ${shown}`);
  // A clean answer is shown whole, between the path and the hint.
  const clean = explainFailures(
    {
      getToken: () =>
        Promise.reject(new Error("AADSTS700016: Application not found in the directory.")),
    },
    "client secret (client 1111, tenant t)",
    hint,
  );
  const second = await clean
    .getToken("https://vault.azure.net/.default")
    .catch((error: unknown) => error);
  assert.match(
    reporter.text(failure({ hint: "the vault role" }, "reading db", second)),
    /with client secret \(client 1111, tenant t\): AADSTS700016: Application not found in the directory\.; check that client-secret is current/,
  );
});
