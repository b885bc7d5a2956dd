// Everything a server controls is bounded, through the three bundles: a listing's nextLink to
// another origin gets no request (and no token), a nextLink that repeats ends the listing, an
// answer that inflates to a gigabyte and a value over Key Vault's 25 KiB are failed rows with
// the normal result, and `.` / `..` as ARM names are bad input before any request.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unique } from "../../helpers/emulator.ts";
import { startHostileVault, type HostileVault } from "../../helpers/hostile-vault.ts";
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

async function withVault<T>(
  listing: Parameters<typeof startHostileVault>[0]["listing"],
  body: (vault: HostileVault) => Promise<T>,
): Promise<T> {
  const { emulator } = started();
  const vault = await startHostileVault({ emulator, ...(listing ? { listing } : {}) });
  try {
    return await body(vault);
  } finally {
    await vault.stop();
  }
}

for (const platform of platforms) {
  void test(`${platform}: a listing's nextLink to another origin fails the listing, and nothing is sent there`, async () => {
    const { emulator } = started();
    const elsewhere = await startHostileVault({ emulator });
    try {
      const id = unique();
      await withVault(
        { kind: "page", names: [`first-${id}`], next: () => `${elsewhere.url}/secrets?page=2` },
        async (vault) => {
          vault.secret(`first-${id}`, { kind: "value", value: secretValue("first") });
          const outcome = await runStep(platform, emulator, {
            mode: "get",
            secrets: "*",
            // Where values leave the step by name, `*` needs a prefix; the listing is the point here.
            outputPrefix: "KV_",
            vault: { url: vault.url },
          });
          assertFailed(outcome);
          assert.match(
            allText(outcome),
            new RegExp(`another origin, ${elsewhere.url.replace(/[.]/g, "\\.")}`),
            outcome.describe,
          );
          assert.equal(elsewhere.hits, 0, "no request reached the other origin");
          assert.deepEqual(Object.keys(outcome.values), [], outcome.describe);
        },
      );
    } finally {
      await elsewhere.stop();
    }
  });

  void test(
    `${platform}: a listing whose nextLink repeats fails at once, naming the repeat`,
    { timeout: 60_000 },
    async () => {
      const { emulator } = started();
      await withVault(
        {
          kind: "page",
          names: [`loop-${unique()}`],
          next: (u) => `${u.origin}${u.pathname}${u.search}`,
        },
        async (vault) => {
          const outcome = await runStep(platform, emulator, {
            mode: "get",
            secrets: "*",
            // Where values leave the step by name, `*` needs a prefix; the listing is the point here.
            outputPrefix: "KV_",
            vault: { url: vault.url },
          });
          assertFailed(outcome);
          assert.match(allText(outcome), /already sent \(its next link repeats/, outcome.describe);
          // The first page and the one repeat: on the code before, the step never ended.
          assert.ok(vault.requests.length <= 4, `${vault.requests.length} requests`);
        },
      );
    },
  );

  void test(`${platform}: a gzip bomb and a value over 25 KiB are failed rows, the others read`, async () => {
    const { emulator, vault } = started();
    const id = unique();
    const good = secretValue("good");
    vault.secret(`good-${id}`, { kind: "value", value: good });
    vault.secret(`bomb-${id}`, { kind: "gzip-bomb", inflatedBytes: 1024 ** 3 });
    const big = secretValue("big") + "x".repeat(40 * 1024);
    vault.secret(`big-${id}`, { kind: "value", value: big });
    const outcome = await runStep(platform, emulator, {
      mode: "get",
      secrets: `good-${id}\nbomb-${id}\nbig-${id}`,
      vault: { url: vault.url },
    });
    assertFailed(outcome);
    assert.deepEqual(
      outcome.rows.map((r) => [r.name, r.action]),
      [
        [`good-${id}`, "read"],
        [`bomb-${id}`, "failed"],
        [`big-${id}`, "failed"],
      ],
      outcome.describe,
    );
    assert.match(outcome.rows[1]?.error ?? "", /larger than 1024 KiB once decompressed/);
    assert.match(outcome.rows[2]?.error ?? "", /larger than Key Vault's 25 KiB/);
    assert.deepEqual(Object.keys(outcome.values).length, 1, outcome.describe);
    checkLeaks("bounded answers", outcome, [good, big]);
  });

  for (const [names, input] of [
    [{ name: "..", resourceGroup: ".." }, /workspace.?name/i],
    [{ resourceGroup: "." }, /resource.?group/i],
    [{ subscription: ".." }, /subscription.?id/i],
  ] as const) {
    void test(`${platform}: ARM names ${JSON.stringify(names)} are bad input, before any request`, async () => {
      const { emulator, vault } = started();
      vault.requests.length = 0;
      const outcome = await runStep(platform, emulator, {
        mode: "get",
        secrets: "anything",
        vault: { workspace: vault, names },
      });
      assertFailed(outcome);
      assert.match(outcome.failure, /nothing was sent/, outcome.describe);
      // The task's subscription is its service connection's, not an input.
      if (platform === "azure-pipelines" && "subscription" in names)
        assert.match(outcome.failure, /is not a subscription id/, outcome.describe);
      else assert.match(outcome.failure, input, outcome.describe);
      assert.deepEqual(vault.requests, [], "no request reached ARM");
    });
  }
}
