// A listing is the vault's word too: a name Key Vault cannot hold (only a broken or hostile
// server lists one) is not read by `*`, chooses no output name, and reaches the log, the result
// and the summary only as free text. Through the three bundles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { allText, checkLeaks, hostileVaultPerFile, platforms, runStep } from "./steps.ts";

const id = unique();
const good = `good-${id}`;
/** Names as the SDK reads them from the listing's ids (the path of a URL: no line breaks). */
const hostileNames = [
  "x::set-output name=pwned1::1",
  "a=b",
  "y%23%23vso[task.setvariable variable=pwned2]2",
];

const started = hostileVaultPerFile({
  listing: {
    kind: "raw",
    status: 200,
    contentType: "application/json",
    body: JSON.stringify({
      value: [good, ...hostileNames].map((name) => ({
        id: `https://kv.example/secrets/${name}`,
        attributes: { enabled: true },
      })),
      nextLink: null,
    }),
  },
});

for (const platform of platforms) {
  void test(`${platform}: get * reads only the names Key Vault can hold`, async () => {
    const { emulator, vault } = started();
    const value = secretValue("listed");
    vault.secret(good, { kind: "value", value });
    vault.requests.length = 0;
    const outcome = await runStep(platform, emulator, {
      mode: "get",
      secrets: "*",
      // Where values leave the step by name, `*` needs a prefix; the listing is the point here.
      outputPrefix: "KV_",
      vault: { url: vault.url },
    });
    const output = `KV_GOOD_${id.toUpperCase()}`;
    assert.equal(outcome.values[output], value, outcome.describe);
    assert.deepEqual(Object.keys(outcome.values), [output], outcome.describe);
    const refused = outcome.rows.filter((r) => r.action === "failed");
    assert.equal(refused.length, hostileNames.length, outcome.describe);
    for (const row of refused) assert.match(row.error ?? "", /not a Key Vault secret name/);
    assert.deepEqual(
      vault.requests.filter((r) => r.startsWith("GET /secrets/")).map((r) => r.split("/")[2]),
      [good],
      "only the good name was read",
    );
    assert.deepEqual(outcome.injected, [], "no command reached the runner or the agent");
    assert.doesNotMatch(allText(outcome), /##vso\[task\.setvariable variable=pwned/);
    checkLeaks(`listed names ${platform}`, outcome, [value]);
  });
}
