// What the environment could switch off: NODE_TLS_REJECT_UNAUTHORIZED=0 fails the step before
// any request; NODE_DEBUG's network sections print no credential. Through the three bundles.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startHostileVault, type HostileVault } from "../../helpers/hostile-vault.ts";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import {
  allText,
  assertFailed,
  checkLeaks,
  hostileVaultPerFile,
  platforms,
  runStep,
} from "./steps.ts";

const started = hostileVaultPerFile();
/** A vault whose certificate no CA of the step trusts (started by the first test that needs it). */
let untrustedVault: Promise<HostileVault> | undefined;
after(async () => {
  await (await untrustedVault)?.stop();
});

for (const platform of platforms) {
  void test(`${platform}: NODE_TLS_REJECT_UNAUTHORIZED=0 fails the step before any request`, async () => {
    const { emulator } = started();
    untrustedVault ??= startHostileVault({ emulator, untrusted: true });
    const untrusted = await untrustedVault;
    const id = unique();
    const value = secretValue("tls");
    const variable = `TLS_${id.toUpperCase()}`;
    untrusted.secret(`tls-${id}`, { kind: "value", value: secretValue("old") });
    const tokensBefore = emulator.requests.filter(
      (r) => r.kind === "token" || r.kind === "oidc",
    ).length;
    const outcome = await runStep(platform, emulator, {
      mode: "set",
      secrets: `tls-${id}: ${variable}`,
      variables: { [variable]: value },
      vault: { url: untrusted.url },
      env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" },
    });
    assertFailed(outcome);
    assert.match(outcome.failure, /NODE_TLS_REJECT_UNAUTHORIZED=0/, outcome.describe);
    assert.deepEqual(untrusted.writes, [], "no value reached the untrusted vault");
    assert.deepEqual(untrusted.requests, [], "no request reached the untrusted vault");
    const tokensAfter = emulator.requests.filter(
      (r) => r.kind === "token" || r.kind === "oidc",
    ).length;
    assert.equal(tokensAfter, tokensBefore, "no token was asked for");
    checkLeaks("tls off", outcome, [value]);
  });

  void test(`${platform}: NODE_DEBUG=http* prints no bearer token or identity header; the step warns and reads`, async () => {
    const { emulator, vault } = started();
    const id = unique();
    const value = secretValue("debug");
    vault.secret(`debug-${id}`, { kind: "value", value });
    vault.tokens.clear();
    const outcome = await runStep(platform, emulator, {
      mode: "get",
      secrets: `debug-${id}`,
      vault: { url: vault.url },
      env: { NODE_DEBUG: "fs,http*,net,tls" },
    });
    assert.ok(outcome.ok, outcome.describe);
    assert.ok(Object.values(outcome.values).includes(value), outcome.describe);
    assert.ok(vault.tokens.size > 0, "the vault was sent a token");
    const text = allText(outcome);
    for (const token of vault.tokens)
      assert.ok(!text.includes(token), "a bearer token was printed");
    assert.ok(!text.includes(emulator.identityHeader), "the X-IDENTITY-HEADER was printed");
    assert.match(text, /NODE_DEBUG names http, https, http2, net, tls/, outcome.describe);
    checkLeaks("node debug", outcome, [value]);
  });
}
