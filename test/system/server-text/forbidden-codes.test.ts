// Each of Key Vault's 403 inner codes (the emulator's `faults.forbid`, worded as the service
// words them) gives its own remedy through the three bundles, after the service's message: the
// firewall's names the network rule, RBAC's the `az role assignment create` line with the role
// the mode needs, an access policy's the `az keyvault set-policy` line with the permissions.
// The messages are clean (no value in them), so they are shown whole, the caller named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import type { ForbiddenCode } from "../../../src/emulator/types.ts";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { after, before } from "node:test";
import { assertFailed, checkLeaks, platforms, runStep } from "../hostile-vault/steps.ts";

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.stop();
});

/** What each code's line must say: the service's words, then the product's remedy. */
const expected: Record<ForbiddenCode, { service: RegExp; remedy: RegExp }> = {
  ForbiddenByFirewall: {
    service: /Client address is not authorized and caller is not a trusted service\./,
    remedy:
      /the vault's firewall refused this runner's network address: allow it \(az keyvault network-rule add --name VAULT --ip-address RUNNER_PUBLIC_IP\)/,
  },
  ForbiddenByRbac: {
    service:
      /Caller is not authorized to perform action on resource\..*Action: 'Microsoft\.KeyVault\/vaults\/secrets\/(getSecret|setSecret)\/action'/,
    remedy:
      /az role assignment create --role "Key Vault Secrets Officer" --assignee IDENTITY_OBJECT_ID --scope \$\(az keyvault show --name VAULT --query id -o tsv\)/,
  },
  ForbiddenByPolicy: {
    service: /The policy requires the caller '[^']+' to use on-behalf-of \(OBO\) flow\./,
    remedy:
      /access policy for the identity is a compound one .*: give the identity an entry of its own \(az keyvault set-policy --name VAULT --object-id IDENTITY_OBJECT_ID --secret-permissions get list set recover delete/,
  },
  AccessDenied: {
    service:
      /The user, group or application 'appid=[^;]+;oid=[^;]+;iss=https:\/\/sts\.windows\.net\/[0-9a-f-]+\/' does not have secrets (get|set) permission on key vault 'emulator;location=local'\./,
    remedy:
      /access policies do not give the identity this permission: add them \(az keyvault set-policy --name VAULT --object-id IDENTITY_OBJECT_ID --secret-permissions get list set recover delete/,
  },
};

const codes = Object.keys(expected) as ForbiddenCode[];

for (const platform of platforms) {
  void test(`${platform}: each 403 inner code shows the service's message whole and its own remedy`, async () => {
    const id = unique();
    const secrets = codes.map((code) => ({
      code,
      // Neither name nor value holds the code: the redactor would take it for part of a value.
      name: `refused${codes.indexOf(code)}-${id}`,
      variable: `REFUSED${codes.indexOf(code)}_${id.toUpperCase()}`,
      value: secretValue("refused"),
    }));
    emulator.setFaults({
      forbid: secrets.map((s) => ({ code: s.code, names: s.name })),
    });
    try {
      const outcome = await runStep(platform, emulator, {
        mode: "set",
        secrets: secrets.map((s) => `${s.name}: ${s.variable}`).join("\n"),
        variables: Object.fromEntries(secrets.map((s) => [s.variable, s.value])),
        vault: { url: emulator.vaultUrl },
      });
      assertFailed(outcome);
      checkLeaks(
        "forbidden inner codes",
        outcome,
        secrets.map((s) => s.value),
      );
      for (const s of secrets) {
        const row = outcome.rows.find((r) => r.name === s.name);
        const line = outcome.failure.split("\n").find((l) => l.startsWith(`- ${s.name}:`)) ?? "";
        for (const [where, said] of [
          ["result", row?.error ?? ""],
          ["failure", line],
        ] as const) {
          assert.match(
            said,
            new RegExp(`\\b403\\b.*\\(${s.code}\\)`),
            `${s.code} ${where}: ${said}`,
          );
          assert.match(said, expected[s.code].service, `${s.code} ${where}: ${said}`);
          assert.match(said, expected[s.code].remedy, `${s.code} ${where}: ${said}`);
          assert.doesNotMatch(said, /withheld/, `${s.code} ${where}`);
          // One remedy: not another code's.
          for (const other of codes.filter((c) => c !== s.code))
            assert.doesNotMatch(said, expected[other].remedy, `${s.code} ${where}`);
        }
      }
    } finally {
      emulator.setFaults({ forbid: [] });
    }
  });
}

void test("cli, get mode: the RBAC remedy names the role get mode needs, Key Vault Secrets User", async () => {
  const name = `rbac-get-${unique()}`;
  emulator.seed(name, secretValue("rbac-get"));
  emulator.setFaults({ forbid: [{ code: "ForbiddenByRbac", names: name }] });
  try {
    const outcome = await runStep("cli", emulator, {
      mode: "get",
      secrets: name,
      vault: { url: emulator.vaultUrl },
    });
    assertFailed(outcome);
    const line = outcome.failure.split("\n").find((l) => l.startsWith(`- ${name}:`)) ?? "";
    assert.match(
      line,
      /az role assignment create --role "Key Vault Secrets User" --assignee IDENTITY_OBJECT_ID/,
    );
    assert.doesNotMatch(line, /Secrets Officer/);
  } finally {
    emulator.setFaults({ forbid: [] });
  }
});
