import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { VaultError } from "../../../src/core/errors.ts";
import type { RequestGate } from "../../../src/core/vault/gate.ts";
import { disableOlderVersions } from "../../../src/core/vault/versions.ts";
import { createSecretClient } from "../../../src/core/vault/client.ts";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { emulatorManagedIdentity, uniqueName } from "../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { recordingGate } from "../../helpers/recording-gates.ts";

let emu: Emulator;
let client: SecretClient;

before(async () => {
  emu = await startEmulator();
  client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
});
after(async () => {
  await emu.stop();
});

/** Seeds versions of `name` (enabled unless listed in `disabled`); returns their ids, oldest first. */
function seedVersions(
  name: string,
  count: number,
  disabled: number[] = [],
): { ids: string[]; values: string[] } {
  const values = Array.from({ length: count }, (_, i) => secretValue(`v${i}`));
  const ids = values.map((v, i) => emu.seed(name, v, { enabled: !disabled.includes(i) }));
  return { ids, values };
}

function enabledVersions(name: string): string[] {
  return emu
    .versions(name)
    .filter((v) => v.enabled)
    .map((v) => v.version);
}

test("disables every enabled version but the kept one, through gate.write, and converges", async () => {
  const name = uniqueName("rotated");
  const { ids, values } = seedVersions(name, 5, [1]);
  const keep = ids[4] ?? "";
  const gate = recordingGate();

  const disabled = await disableOlderVersions(client, gate, name, keep);

  assert.equal(disabled, 3);
  assert.deepEqual(enabledVersions(name), [keep]);
  assert.equal(emu.versions(name).length, 5, "no version was deleted");
  assert.deepEqual(gate.calls, [
    `read:${name}`,
    ...Array.from({ length: 3 }, () => `write:${name}`),
  ]);
  // Values are untouched: disabling changes only the attribute.
  assert.deepEqual(
    emu.versions(name).map((v) => v.value),
    values,
  );

  const again = recordingGate();
  assert.equal(await disableOlderVersions(client, again, name, keep), 0);
  assert.deepEqual(again.calls, [`read:${name}`]);
  recordScenario("versions-disable", { result: String(disabled) }, values, "none");
});

test("keeps the named version even when it is not the latest", async () => {
  const name = uniqueName("keep-middle");
  const { ids, values } = seedVersions(name, 3);
  const keep = ids[1] ?? "";
  assert.equal(await disableOlderVersions(client, recordingGate(), name, keep), 2);
  assert.deepEqual(enabledVersions(name), [keep]);
  recordScenario("versions-keep-middle", {}, values, "none");
});

test("when some versions cannot be disabled, every other one still is and the error says which", async () => {
  const name = uniqueName("partial");
  const { ids, values } = seedVersions(name, 4);
  const keep = ids[3] ?? "";
  let writes = 0;
  // The second write is refused, as a throttled or forbidden request would be after the gate's retries.
  const gate: RequestGate = {
    read: (_secret, op) => op(),
    write: (_secret, op) => {
      writes++;
      return writes === 2
        ? Promise.reject(new VaultError("refused by the test", 403, "Forbidden"))
        : op();
    },
  };
  const error = await disableOlderVersions(client, gate, name, keep).then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VaultError);
  assert.match(
    error.message,
    new RegExp(
      `disabled 2 of 3 older versions of secret ${name}; still enabled: [0-9a-f]{32}: refused by the test`,
    ),
  );
  assert.equal(enabledVersions(name).length, 2);
  assertNoLeaks({ error: error.message }, values, "none");
  recordScenario("versions-partial", { error: error.message }, values, "none");
});

test("a secret the identity may not read fails with the vault's 403", async () => {
  const name = uniqueName("forbidden");
  const { ids, values } = seedVersions(name, 2);
  emu.setFaults({ forbidden: [name] });
  try {
    await assert.rejects(
      disableOlderVersions(client, recordingGate(), name, ids[1] ?? ""),
      (e: unknown) => {
        assert.equal((e as { statusCode?: number }).statusCode, 403);
        return true;
      },
    );
  } finally {
    emu.setFaults({ forbidden: [] });
  }
  assert.equal(enabledVersions(name).length, 2);
  recordScenario("versions-forbidden", {}, values, "none");
});
