// The audience of the GitHub OIDC token, end to end: the bundle run as the runner runs it asks
// GitHub's token service (the emulator's) for it, and the emulator's Entra stand-in takes the
// token only when its aud is one the federated credential lists, as Entra does (AADSTS700212).
// Each cloud has its own default (Azure/login#452: azure/login asks for the public cloud's).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import { unique, withEmulator } from "../../helpers/emulator.ts";
import {
  describeRun,
  errorsOf,
  maskProblems,
  runActionStep,
  stepTexts,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

interface Sign {
  cloud?: string;
  audience?: string;
  auth?: string;
  clientSecret?: string;
}

/** One secret set through GitHub OIDC (or what `sign` says) against `emu`. */
async function setOne(
  emu: Emulator,
  sign: Sign,
): Promise<{ run: StepRun; name: string; value: string; masked: string[] }> {
  const name = `AUD_${unique().toUpperCase()}`;
  // Not "audience": a value sharing a run of 8 letters with Entra's message would withhold it.
  const value = secretValue("fic-value");
  const requestToken = secretValue("request-token");
  const given: Record<string, string> = {
    "vault-url": emu.vaultUrl,
    secrets: name,
    "client-id": randomUUID(),
    "tenant-id": emu.tenantId,
  };
  if (sign.cloud) given["cloud"] = sign.cloud;
  if (sign.audience) given["audience"] = sign.audience;
  if (sign.auth) given["auth"] = sign.auth;
  if (sign.clientSecret) given["client-secret"] = sign.clientSecret;
  emu.clearRequests();
  const run = await runActionStep({
    with: given,
    env: {
      ...emu.env(),
      [name]: value,
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.githubOidcUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
  });
  const masked = [value, ...(sign.clientSecret ? [sign.clientSecret] : [])];
  const texts = stepTexts(run);
  assertNoLeaks(texts, [...masked, requestToken], "github");
  assert.deepEqual(maskProblems(run, masked), []);
  recordScenario(
    `github audience ${JSON.stringify(sign)}`,
    texts,
    [...masked, requestToken],
    "github",
  );
  return { run, name, value, masked };
}

/** The audiences the step asked GitHub's token service for. */
function askedAudiences(emu: Emulator): (string | undefined)[] {
  return emu.requests.filter((r) => r.kind === "oidc").map((r) => r.audience);
}

describe("the audience of the GitHub OIDC token", () => {
  for (const [cloud, audience] of [
    ["AzureCloud", "api://AzureADTokenExchange"],
    ["AzureUSGovernment", "api://AzureADTokenExchangeUSGov"],
    ["AzureChinaCloud", "api://AzureADTokenExchangeChina"],
  ] as const) {
    void test(`${cloud}: the token asks for ${audience} and a credential listing only it takes it`, async () => {
      await withEmulator(
        async (emu) => {
          const s = await setOne(emu, { cloud });
          assert.equal(s.run.exitCode, 0, describeRun(s.run));
          assert.equal(
            emu.versions(s.name.toLowerCase().replace(/_/g, "-")).at(-1)?.value,
            s.value,
          );
          const asked = askedAudiences(emu);
          assert.ok(asked.length > 0);
          assert.ok(
            asked.every((a) => a === audience),
            asked.join(", "),
          );
        },
        { federatedAudiences: [audience] },
      );
    });
  }

  void test("the audience input is the audience asked for, and a credential listing it takes it", async () => {
    const custom = `api://custom-exchange-${unique()}`;
    await withEmulator(
      async (emu) => {
        const s = await setOne(emu, { audience: custom });
        assert.equal(s.run.exitCode, 0, describeRun(s.run));
        const asked = askedAudiences(emu);
        assert.ok(asked.length > 0);
        assert.ok(
          asked.every((a) => a === custom),
          asked.join(", "),
        );
      },
      { federatedAudiences: [custom] },
    );
  });

  void test("an audience no federated credential lists is refused, the error naming the audience input", async () => {
    const wrong = `api://not-listed-${unique()}`;
    await withEmulator(async (emu) => {
      const s = await setOne(emu, { audience: wrong });
      assert.equal(s.run.exitCode, 1, describeRun(s.run));
      const errors = errorsOf(s.run);
      assert.match(errors, /AADSTS700212/);
      assert.ok(errors.includes(`audience ${wrong} (the audience input)`), errors);
      assert.ok(emu.requests.some((r) => r.kind === "token" && r.status === 401));
      assert.deepEqual(emu.versions(s.name.toLowerCase().replace(/_/g, "-")), []);
    });
  });

  void test("a cloud's default that the credential does not list: the error says whose default and to give audience", async () => {
    // Azure/login#452: a credential made for the public cloud's audience, used from US Gov.
    await withEmulator(
      async (emu) => {
        const s = await setOne(emu, { cloud: "AzureUSGovernment" });
        assert.equal(s.run.exitCode, 1, describeRun(s.run));
        const errors = errorsOf(s.run);
        assert.match(errors, /AADSTS700212/);
        assert.ok(
          errors.includes(
            "audience api://AzureADTokenExchangeUSGov (AzureUSGovernment's default; give the audience input",
          ),
          errors,
        );
      },
      { federatedAudiences: ["api://AzureADTokenExchange"] },
    );
  });

  void test("audience with auth client-secret is an input problem: nothing is sent", async () => {
    await withEmulator(async (emu) => {
      const s = await setOne(emu, {
        auth: "client-secret",
        clientSecret: secretValue("client-secret"),
        audience: "api://AzureADTokenExchange",
      });
      assert.equal(s.run.exitCode, 1, describeRun(s.run));
      assert.match(
        errorsOf(s.run),
        /audience is the audience of a GitHub OIDC token, and auth 'client-secret' asks for none/,
      );
      assert.deepEqual(emu.requests, []);
    });
  });
});
