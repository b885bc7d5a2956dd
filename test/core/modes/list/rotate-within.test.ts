// List mode with `rotate-within`: each secret shows its expiry, and those that expire within the
// window (or have expired) are flagged `rotationDue`, as rotate mode with the same window would
// rotate them; a secret without expiry, or expiring later, is not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCore } from "../../../helpers/core-run.ts";
import { emulatorSecretClient, uniqueName, withEmulator } from "../../../helpers/emulator.ts";
import { secretValue } from "../../../helpers/leaks.ts";

const day = 86_400_000;

test("rotate-within flags what is due; the summary says so", async () => {
  await withEmulator(async (emu) => {
    const client = await emulatorSecretClient(emu);
    const soon = uniqueName("soon");
    const later = uniqueName("later");
    const never = uniqueName("never");
    const value = secretValue("v");
    await client.setSecret(soon, value, { expiresOn: new Date(Date.now() + 10 * day) });
    await client.setSecret(later, value, { expiresOn: new Date(Date.now() + 100 * day) });
    await client.setSecret(never, value);
    const { outcome, platform } = await runCore(
      emu,
      "list-rotate-within",
      { mode: "list", "rotate-within": "30d" },
      {},
      [value],
    );
    assert.equal(outcome.status, "ok");
    const rows = JSON.parse(platform.output("result") ?? "[]") as {
      name: string;
      expires: string | null;
      rotationDue?: boolean;
      note?: string;
    }[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    assert.equal(byName.get(soon)?.rotationDue, true);
    assert.equal(byName.get(soon)?.note, "due for rotation");
    assert.ok(byName.get(soon)?.expires);
    assert.equal(byName.get(later)?.rotationDue, false);
    assert.equal(byName.get(never)?.rotationDue, false);
    const summary = platform.texts().summary ?? "";
    assert.match(summary, new RegExp(`\\| ${soon} \\|.*\\| due for rotation \\|`));
  });
});

test("without rotate-within nothing is flagged", async () => {
  await withEmulator(async (emu) => {
    const client = await emulatorSecretClient(emu);
    const value = secretValue("v");
    await client.setSecret(uniqueName("soon"), value, {
      expiresOn: new Date(Date.now() + day),
    });
    const { platform } = await runCore(emu, "list-no-window", { mode: "list" }, {}, [value]);
    const rows = JSON.parse(platform.output("result") ?? "[]") as { rotationDue?: boolean }[];
    assert.ok(rows.every((r) => r.rotationDue === undefined));
  });
});
