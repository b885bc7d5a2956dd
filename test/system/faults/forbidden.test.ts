// Issue 7's fault matrix, case 3, through the core and each bundled entry point: the identity
// may not touch some secrets (a permanent 403). The others are set, the step fails, and its
// message names each refused secret, the status and the role to check; a 403 is not retried.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCore } from "../../helpers/core-run.ts";
import { uniqueName, withEmulator } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { entryPoints } from "./entry-points.ts";
import {
  assertNoDoubleWrites,
  assertRows,
  appliedAction,
  checkEmulatorLogs,
  runMeasured,
  seedSecrets,
} from "./scenario.ts";

describe("a permanent 403 on some secrets", { concurrency: 4 }, () => {
  for (const entry of entryPoints) {
    test(`${entry.name}: the others are set, the step fails naming each refused secret, 403 and the role`, async () => {
      await withEmulator(async (emu) => {
        // A refused new secret meets the 403 on its write; a refused existing one already on
        // the read that compares its value.
        const [refusedNew, refusedOld, ...allowed] = seedSecrets(emu, "deny", [
          "new",
          "changed",
          "new",
          "changed",
          "unchanged",
        ]);
        assert.ok(refusedNew && refusedOld);
        const refused = [refusedNew, refusedOld];
        const secrets = [...refused, ...allowed];
        emu.setFaults({ forbidden: refused.map((s) => s.vault) });

        const run = await runMeasured(emu, () => entry.run(emu, "forbidden", secrets));
        assert.equal(run.outcome.status, "failed", run.outcome.describe);
        const isRefused = (name: string): boolean => refused.some((s) => s.vault === name);
        assertRows(emu, secrets, run.outcome.rows, (s) =>
          isRefused(s.vault) ? "failed" : appliedAction[s.state],
        );
        for (const s of allowed) assert.equal(emu.versions(s.vault).at(-1)?.value, s.value);
        assertNoDoubleWrites(run.requests, allowed);

        for (const s of refused) {
          assert.deepEqual(
            emu.versions(s.vault).map((v) => v.value === s.value),
            s.state === "new" ? [] : [false],
            `${s.vault} was left as it was`,
          );
          // Tried once: a 403 is an answer, not a hiccup.
          const tried = run.requests.filter((r) => r.secret === s.vault.toLowerCase());
          assert.deepEqual(
            tried.map((r) => r.status),
            [403],
            `requests for ${s.vault}`,
          );
          // One line of the failure names the secret, the status and the role to check.
          const line = run.outcome.failure.split("\n").find((l) => l.includes(s.vault));
          assert.ok(line, `the failure names ${s.vault}:\n${run.outcome.failure}`);
          assert.match(line, /\b403\b/);
          assert.match(line, /Key Vault Secrets Officer/);
        }
        checkEmulatorLogs(emu, `forbidden ${entry.name}`, secrets);
      });
    });
  }
});

test("core, get mode: a refused read names 403 and the role get mode needs, Key Vault Secrets User", async () => {
  await withEmulator(async (emu) => {
    const [refused, allowed] = [uniqueName("deny-get"), uniqueName("allow-get")];
    emu.seed(refused, secretValue("refused"));
    emu.seed(allowed, secretValue("allowed"));
    emu.setFaults({ forbidden: [refused] });
    const { outcome, platform } = await runCore(emu, "forbidden get", {
      mode: "get",
      secrets: `${refused}\n${allowed}`,
    });
    assert.equal(outcome.status, "failed");
    assert.deepEqual(
      outcome.rows.map((r) => [r.name, r.action]),
      [
        [refused, "failed"],
        [allowed, "read"],
      ],
    );
    const line = platform
      .failures()
      .join("\n")
      .split("\n")
      .find((l) => l.includes(refused));
    assert.match(line ?? "", /\b403\b.*Key Vault Secrets User/);
    assert.doesNotMatch(line ?? "", /Secrets Officer/);
  });
});
