import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { applyPlanned } from "../../../../src/core/modes/set/apply.ts";
import { planSet, type SetEntry } from "../../../../src/core/modes/set/plan.ts";
import { createSecretClient } from "../../../../src/core/vault/client.ts";
import { createRequestGate } from "../../../../src/core/vault/gate.ts";
import { startEmulator, type Emulator } from "../../../../src/emulator/index.ts";
import { emulatorManagedIdentity, uniqueName } from "../../../helpers/emulator.ts";
import { secretValue } from "../../../helpers/leaks.ts";

let emu: Emulator;
let client: SecretClient;

before(async () => {
  emu = await startEmulator();
  client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
});
after(async () => {
  await emu.stop();
});

const label = (name: string): string => name;

test("when the new names are more writes than a window holds, a soft-deleted one is found by the deleted listing, recovered and written once: no write answered 409", async () => {
  const gone = uniqueName("bind-gone");
  emu.seed(gone, secretValue("old"));
  emu.softDelete(gone);
  const entries: SetEntry[] = [gone, uniqueName("bind-a"), uniqueName("bind-b")].map((n) => ({
    vaultName: n,
    source: n.toUpperCase(),
    value: secretValue(n),
  }));
  const gate = createRequestGate({ concurrency: 4 });
  const from = emu.requests.length;
  const plan = await planSet({
    client,
    gate,
    entries,
    overwrite: "changed",
    recoverDeleted: true,
    listDeleted: false,
    // Three new names, a window of two writes: the writes bind.
    writesPerWindow: 2,
    hint: "",
    label,
  });
  const planned = await Promise.all(entries.map((e) => plan.plan(e)));
  assert.deepEqual(
    planned.map((p) => p.action),
    ["recover", "create", "create"],
  );
  const rows = await Promise.all(
    planned.map((p) =>
      applyPlanned(
        {
          client,
          gate,
          hint: "",
          label,
          options: { recoverDeleted: true, disablePreviousVersions: false },
        },
        p,
      ),
    ),
  );
  assert.deepEqual(
    rows.map((r) => r.action),
    ["recovered", "created", "created"],
  );
  const requests = emu.requests.slice(from);
  assert.deepEqual(
    requests.filter((r) => r.secret === gone).map((r) => `${r.method} ${r.status}`),
    ["POST 200", "PUT 200"],
  );
  assert.equal(requests.filter((r) => r.status === 409).length, 0);
  assert.equal(emu.versions(gone).at(-1)?.value, entries[0]?.value);
});

test("when the writes fit in a window, the deleted secrets are not listed (a 409 costs nothing then)", async () => {
  const fresh = uniqueName("fits");
  const gate = createRequestGate({ concurrency: 4 });
  const from = emu.requests.length;
  const plan = await planSet({
    client,
    gate,
    entries: [{ vaultName: fresh, source: "FITS", value: secretValue("fits") }],
    overwrite: "changed",
    recoverDeleted: true,
    listDeleted: false,
    hint: "",
    label,
  });
  assert.equal(plan.order.length, 1);
  assert.deepEqual(
    emu.requests.slice(from).map((r) => r.path.split("?")[0]),
    ["/secrets"],
  );
});

test("existing names whose value may change count toward the writes that bind: one new name, two changed ones and a window of two list the deleted secrets, so the soft-deleted one costs one recover and one PUT", async () => {
  const gone = uniqueName("count-gone");
  emu.seed(gone, secretValue("old"));
  emu.softDelete(gone);
  const changed = [uniqueName("count-a"), uniqueName("count-b")];
  for (const n of changed) emu.seed(n, secretValue("before"));
  const entries: SetEntry[] = [gone, ...changed].map((n) => ({
    vaultName: n,
    source: n.toUpperCase(),
    value: secretValue(n),
  }));
  const gate = createRequestGate({ concurrency: 4 });
  const from = emu.requests.length;
  const plan = await planSet({
    client,
    gate,
    entries,
    overwrite: "changed",
    recoverDeleted: true,
    listDeleted: false,
    // One name the listing does not show, but three that may be written: the writes bind.
    writesPerWindow: 2,
    hint: "",
    label,
  });
  const rows = await Promise.all(
    entries.map(async (e) =>
      applyPlanned(
        {
          client,
          gate,
          hint: "",
          label,
          options: { recoverDeleted: true, disablePreviousVersions: false },
        },
        await plan.plan(e),
      ),
    ),
  );
  assert.deepEqual(
    rows.map((r) => r.action),
    ["recovered", "updated", "updated"],
  );
  const requests = emu.requests.slice(from);
  assert.deepEqual(
    requests.filter((r) => r.secret === gone).map((r) => `${r.method} ${r.status}`),
    ["POST 200", "PUT 200"],
  );
  assert.equal(requests.filter((r) => r.status === 409).length, 0);
  assert.equal(requests.filter((r) => r.path.split("?")[0] === "/deletedsecrets").length, 1);
});
