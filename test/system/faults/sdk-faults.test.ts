import assert from "node:assert/strict";
import { test } from "node:test";
import { createSecretClient } from "../../../src/core/vault/client.ts";
import { emulatorManagedIdentity, uniqueName, withEmulator } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { runCore, writes } from "../../helpers/core-run.ts";

test("under 20 % 429 (half without Retry-After), 5 % 5xx and 2 % dropped connections every secret is set, and the re-run writes nothing", async () => {
  await withEmulator(async (emu) => {
    const vaultNames = Array.from({ length: 20 }, (_, i) => uniqueName(`fault${i}`));
    // A third already hold their value, a third an older one, a third are new.
    const values: Record<string, string> = {};
    vaultNames.forEach((name, i) => {
      const value = secretValue(name);
      values[name.replace(/-/g, "_").toUpperCase()] = value;
      if (i % 3 === 0) emu.seed(name, value);
      if (i % 3 === 1) emu.seed(name, secretValue("old"));
    });
    emu.setFaults({ throttleRate: 0.2, retryAfter: "half", serverErrorRate: 0.05, dropRate: 0.02 });
    const secrets = Object.keys(values).join("\n");
    const first = await runCore(emu, "faults", { secrets }, values);
    assert.equal(first.outcome.status, "ok", first.platform.failures().join("\n"));
    assert.ok(
      first.requests.some((r) => r.fault !== undefined),
      "faults were injected",
    );
    vaultNames.forEach((name, i) => {
      assert.equal(emu.versions(name).at(-1)?.value, values[name.replace(/-/g, "_").toUpperCase()]);
      // A retried write never made two versions (a dropped request was never processed).
      assert.equal(emu.versions(name).length, i % 3 === 2 ? 1 : i % 3 === 0 ? 1 : 2);
    });
    const second = await runCore(emu, "faults-rerun", { secrets }, values);
    assert.equal(second.outcome.status, "ok", second.platform.failures().join("\n"));
    assert.deepEqual(writes(second.requests), []);
    assert.ok(second.platform.result().every((r) => r.action === "unchanged"));
  });
});

test("the SDK's own retries are off: one 429 reaches the caller after one request", async () => {
  await withEmulator(async (emu) => {
    const client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
    const name = uniqueName("noretry");
    await client.setSecret(name, secretValue("x"));
    emu.clearRequests();
    emu.setFaults({ throttleAllMs: 60_000 });
    await assert.rejects(
      client.getSecret(name),
      (e: { statusCode?: number }) => e.statusCode === 429,
    );
    assert.equal(emu.requests.filter((r) => r.kind === "secret-read").length, 1);
  });
});
