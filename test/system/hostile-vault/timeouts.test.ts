// A vault that accepts the connection and never answers, or trickles its answer, fails the step
// within the request timeout's tries, naming the vault and the timeout: through the three bundles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { assertFailed, checkLeaks, hostileVaultPerFile, platforms, runStep } from "./steps.ts";

const started = hostileVaultPerFile();

/** What each platform calls the input. */
const timeoutInput = {
  github: "request-timeout",
  "azure-pipelines": "requestTimeout",
  cli: "--request-timeout",
} as const;

for (const platform of platforms) {
  // On the code before timeouts the step never ends: the test's own timeout says so.
  void test(
    `${platform}: a vault that hangs or trickles fails the step within the timeout's three tries`,
    { timeout: 90_000 },
    async () => {
      const { emulator, vault } = started();
      const id = unique();
      const good = secretValue("good");
      vault.secret(`good-${id}`, { kind: "value", value: good });
      vault.secret(`hang-${id}`, { kind: "hang" });
      // 400 bytes or so at one a 100 ms: 40 s for a body whose headers came at once.
      vault.secret(`trickle-${id}`, {
        kind: "trickle",
        value: secretValue("trickle"),
        everyMs: 100,
      });
      const outcome = await runStep(platform, emulator, {
        mode: "get",
        secrets: `good-${id}\nhang-${id}\ntrickle-${id}`,
        vault: { url: vault.url },
        requestTimeout: "1s",
      });
      assertFailed(outcome);
      assert.deepEqual(
        outcome.rows.map((r) => [r.name, r.action]),
        [
          [`good-${id}`, "read"],
          [`hang-${id}`, "failed"],
          [`trickle-${id}`, "failed"],
        ],
        outcome.describe,
      );
      for (const row of outcome.rows.filter((r) => r.action === "failed")) {
        assert.ok(row.error?.includes(`the vault ${vault.url}`), `names the vault: ${row.error}`);
        assert.ok(
          row.error?.includes(`within 1 s (${timeoutInput[platform]})`),
          `names the timeout: ${row.error}`,
        );
        assert.match(row.error ?? "", /3 tries/, "three tries");
      }
      // Three tries of a second each and two backoffs of at most 0.75 s and 1.5 s, plus the
      // step's start: far below the 40 s the trickle would take.
      assert.ok(outcome.tookMs < 25_000, `took ${outcome.tookMs} ms`);
      checkLeaks("timeouts", outcome, [good]);
    },
  );
}
