// The vault address ARM hands back passes the checks of the vault-url input (no user info, no
// query, nothing after the host) and reaches the log only through the reporter; an IPv6
// literal vault URL is refused as bad input. Through the three bundles.
import assert from "node:assert/strict";
import { test } from "node:test";
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

// The same server answers ARM and the vault; the vault URI it gives is hostile.
let vaultPort = "";
const started = hostileVaultPerFile({
  vaultUri: () =>
    `https://user:pass@127.0.0.1:${vaultPort}/?x=1\n::set-output name=pwned1::1\n##[set-output name=pwned2;]2 ##vso[task.setvariable variable=pwned3]3`,
});

for (const platform of platforms) {
  void test(`${platform}: a vault URI from ARM with user info, a query and commands is refused`, async () => {
    const { emulator, vault } = started();
    vaultPort = new URL(vault.url).port;
    const id = unique();
    const value = secretValue("arm");
    vault.secret(`wsv-${id}`, { kind: "value", value });
    vault.requests.length = 0;
    const outcome = await runStep(platform, emulator, {
      mode: "get",
      secrets: `wsv-${id}`,
      vault: { workspace: vault },
    });
    assertFailed(outcome);
    assert.match(
      outcome.failure,
      /the vault URI of workspace ws-hostile \(from ARM\)/,
      outcome.describe,
    );
    assert.deepEqual(
      vault.requests.filter((r) => !r.includes("/subscriptions/")),
      [],
      "no request went to the vault",
    );
    assert.deepEqual(outcome.injected, [], outcome.describe);
    const text = allText(outcome);
    for (const syntax of ["::set-output", "##[", "##vso[task.setvariable variable=pwned"]) {
      assert.ok(!text.includes(syntax), `${syntax} reached the step's output; ${outcome.describe}`);
    }
    assert.deepEqual(Object.keys(outcome.values), [], outcome.describe);
    checkLeaks("arm vault uri", outcome, [value]);
  });

  void test(`${platform}: an IPv6 literal vault URL is refused as bad input, before any request`, async () => {
    const { emulator } = started();
    const tokensBefore = emulator.requests.filter(
      (r) => r.kind === "token" || r.kind === "oidc",
    ).length;
    const outcome = await runStep(platform, emulator, {
      mode: "get",
      secrets: "anything",
      vault: { url: "https://[::1]:8443" },
    });
    assertFailed(outcome);
    assert.match(outcome.failure, /is an IPv6 address/, outcome.describe);
    assert.match(outcome.failure, /nothing was sent/, outcome.describe);
    const tokensAfter = emulator.requests.filter(
      (r) => r.kind === "token" || r.kind === "oidc",
    ).length;
    assert.equal(tokensAfter, tokensBefore, "no token was asked for");
  });
}
