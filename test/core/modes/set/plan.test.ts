import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { applyPlanned } from "../../../../src/core/modes/set/apply.ts";
import {
  plannedFromGetsUpTo,
  planSet,
  type PlanRequest,
  type SetEntry,
} from "../../../../src/core/modes/set/plan.ts";
import { createSecretClient } from "../../../../src/core/vault/client.ts";
import { inWindow } from "../../../../src/core/modes/window.ts";
import { createRequestGate, type RequestGate } from "../../../../src/core/vault/gate.ts";
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

const apply = { recoverDeleted: true, disablePreviousVersions: false };

/** Entries for `names`, each valued after its name. */
function entriesOf(names: string[]): SetEntry[] {
  return names.map((n) => ({ vaultName: n, source: n.toUpperCase(), value: secretValue(n) }));
}

/** Where `planAndApply` works: the file's emulator by default, or a test's own. */
interface Where {
  vault?: { emu: Emulator; client: SecretClient };
  gate?: RequestGate;
}

/** Plans and writes `entries` as set mode does: each entry's planned action, row and error. */
async function planAndApply(
  entries: SetEntry[],
  options: Partial<Pick<PlanRequest, "getsUpTo" | "overwrite" | "writesPerWindow">> & Where = {},
): Promise<{
  planned: string[];
  actions: string[];
  errors: (string | undefined)[];
  requests: typeof emu.requests;
}> {
  const {
    vault = { emu, client },
    gate = createRequestGate({ concurrency: 4 }),
    ...rest
  } = options;
  const from = vault.emu.requests.length;
  const plan = planSet({
    client: vault.client,
    gate,
    entries,
    overwrite: "changed",
    recoverDeleted: true,
    listDeleted: false,
    hint: "",
    label,
    ...rest,
  });
  const planned: string[] = [];
  const actions: string[] = [];
  const errors: (string | undefined)[] = [];
  // As set mode does: in the plan's order, each written as soon as it is planned.
  await inWindow(plan.order, 8, async (i) => {
    const p = await plan.plan(entries[i]!);
    const row = await applyPlanned(
      { client: vault.client, gate, hint: "", label, options: apply },
      p,
    );
    [planned[i], actions[i], errors[i]] = [p.action, row.action, row.error];
  });
  return { planned, actions, errors, requests: vault.emu.requests.slice(from) };
}

test("when the new names are more writes than a window holds, a soft-deleted one is found by the deleted listing, recovered and written once: no write answered 409", async () => {
  const gone = uniqueName("bind-gone");
  emu.seed(gone, secretValue("old"));
  emu.softDelete(gone);
  const entries = entriesOf([gone, uniqueName("bind-a"), uniqueName("bind-b")]);
  const { planned, actions, requests } = await planAndApply(entries, {
    // The listing's plan, whatever the mapping's size.
    getsUpTo: 0,
    // Three new names, a window of two writes: the writes bind.
    writesPerWindow: 2,
  });
  assert.deepEqual(planned, ["recover", "create", "create"]);
  assert.deepEqual(actions, ["recovered", "created", "created"]);
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
  const plan = planSet({
    client,
    gate,
    entries: [{ vaultName: fresh, source: "FITS", value: secretValue("fits") }],
    overwrite: "changed",
    recoverDeleted: true,
    listDeleted: false,
    // The listing's plan, whatever the mapping's size.
    getsUpTo: 0,
    hint: "",
    label,
  });
  assert.deepEqual(await plan.pruned, []);
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
  const { actions, requests } = await planAndApply(entriesOf([gone, ...changed]), {
    // The listing's plan, whatever the mapping's size.
    getsUpTo: 0,
    // One name the listing does not show, but three that may be written: the writes bind.
    writesPerWindow: 2,
  });
  assert.deepEqual(actions, ["recovered", "updated", "updated"]);
  assert.deepEqual(
    requests.filter((r) => r.secret === gone).map((r) => `${r.method} ${r.status}`),
    ["POST 200", "PUT 200"],
  );
  assert.equal(requests.filter((r) => r.status === 409).length, 0);
  assert.equal(requests.filter((r) => r.path.split("?")[0] === "/deletedsecrets").length, 1);
});

const isListing = (r: { path: string }): boolean => r.path.split("?")[0] === "/secrets";

test("a small mapping in a big vault is planned from a GET of each name: no listing page", async () => {
  // Three pages of others, so that a listing would cost three requests one after another.
  for (let i = 0; i < 60; i += 1) emu.seed(uniqueName("crowd"), secretValue("crowd"));
  const [same, changed, fresh] = [uniqueName("g-same"), uniqueName("g-chg"), uniqueName("g-new")];
  const entries = entriesOf([same, changed, fresh]);
  emu.seed(same, entries[0]!.value);
  emu.seed(changed, secretValue("before"));
  const { actions, requests } = await planAndApply(entries);
  assert.deepEqual(actions, ["unchanged", "updated", "created"]);
  assert.equal(requests.filter(isListing).length, 0);
  assert.deepEqual(requests.map((r) => `${r.method} ${r.status}`).sort(), [
    "GET 200",
    "GET 200",
    "GET 404",
    "PUT 200",
    "PUT 200",
  ]);
});

test("overwrite never or always reads no value: even a small mapping is planned from the listing, with no GET", async () => {
  const [kept, fresh] = [uniqueName("n-kept"), uniqueName("n-new")];
  const entries = entriesOf([kept, fresh]);
  emu.seed(kept, secretValue("before"));
  for (const [overwrite, first] of [
    ["never", "skipped"],
    ["always", "updated"],
  ] as const) {
    const { actions, requests } = await planAndApply(entries, { overwrite });
    assert.deepEqual(actions, [first, overwrite === "never" ? "created" : "updated"]);
    assert.ok(requests.filter(isListing).length >= 1);
    assert.equal(requests.filter((r) => r.method === "GET" && r.secret !== undefined).length, 0);
  }
});

test("a mapping larger than the rule is planned from the listing: no GET of a name it shows absent", async () => {
  const names = Array.from({ length: plannedFromGetsUpTo + 1 }, () => uniqueName("big"));
  const { actions, requests } = await planAndApply(entriesOf(names));
  assert.ok(actions.every((a) => a === "created"));
  assert.ok(requests.filter(isListing).length >= 1);
  assert.equal(requests.filter((r) => r.method === "GET" && r.secret !== undefined).length, 0);
  assert.equal(requests.filter((r) => r.method === "PUT").length, names.length);
});

test("the listing's plan writes a disabled or expired current version without a GET", async () => {
  const [disabled, expired] = [uniqueName("l-dis"), uniqueName("l-exp")];
  const entries = entriesOf([disabled, expired]);
  emu.seed(disabled, entries[0]!.value, { enabled: false });
  emu.seed(expired, entries[1]!.value, { expires: new Date(Date.now() - 60_000) });
  const { actions, requests } = await planAndApply(entries, { getsUpTo: 0 });
  assert.deepEqual(actions, ["updated", "updated"]);
  assert.equal(requests.filter((r) => r.method === "GET" && r.secret !== undefined).length, 0);
});

/** A vault of its own (request order matters): `crowd` unmapped names between `a-` and `z-`. */
async function ownVault(
  crowd: number,
  go: (own: Emulator, vault: { emu: Emulator; client: SecretClient }) => Promise<void>,
): Promise<void> {
  // A round trip long enough that the order of requests in the log is the order they were sent.
  const own = await startEmulator({ latencyMs: 20 });
  try {
    for (let i = 0; i < crowd; i += 1) own.seed(uniqueName("m-crowd"), secretValue("crowd"));
    const ownClient = createSecretClient(own.vaultUrl, await emulatorManagedIdentity());
    await go(own, { emu: own, client: ownClient });
  } finally {
    await own.stop();
  }
}

/** The first request of a client is answered 401 (the challenge): the pages are the 200s. */
const isPage = (r: { path: string; status: number }): boolean => isListing(r) && r.status === 200;

test("the listing's plan works on the names a page shows while the next pages are fetched, and on the names it does not show once it is complete", async () => {
  await ownVault(110, async (own, vault) => {
    const [changed, disabled, fresh] = [uniqueName("a-chg"), uniqueName("a-dis"), uniqueName("z")];
    const entries = entriesOf([fresh, changed, disabled]);
    // The vault lists by name: `changed` and `disabled` on the first of five pages.
    own.seed(changed, secretValue("before"));
    own.seed(disabled, secretValue("before"), { enabled: false });
    const { actions } = await planAndApply(entries, { vault, getsUpTo: 0 });
    assert.deepEqual(actions, ["created", "updated", "updated"]);
    const log = own.requests;
    const lastPage = log.findLastIndex(isPage);
    assert.equal(log.filter(isPage).length, 5);
    const at = (method: string, name: string): number =>
      log.findIndex((r) => r.method === method && r.secret === name);
    assert.ok(at("GET", changed) < lastPage, "the changed one is read before the last page");
    assert.ok(at("PUT", changed) < lastPage, "...and written");
    assert.ok(at("PUT", disabled) < lastPage, "the disabled one is written without a GET");
    assert.equal(at("GET", disabled), -1);
    assert.ok(at("PUT", fresh) > lastPage, "a name no page shows is written after the last");
  });
});

test("with writes that may bind, a name the deleted listing shows is recovered and written before the live listing is complete", async () => {
  await ownVault(110, async (own, vault) => {
    const [gone, fresh] = [uniqueName("a-gone"), uniqueName("z-new")];
    own.seed(gone, secretValue("old"));
    own.softDelete(gone);
    const entries = entriesOf([gone, fresh]);
    // Two names, a window of one write: the writes may bind.
    const { actions } = await planAndApply(entries, { vault, getsUpTo: 0, writesPerWindow: 1 });
    assert.deepEqual(actions, ["recovered", "created"]);
    const log = own.requests;
    const lastPage = log.findLastIndex(isPage);
    assert.deepEqual(
      log.filter((r) => r.secret === gone).map((r) => `${r.method} ${r.status}`),
      ["POST 200", "PUT 200"],
    );
    assert.ok(log.findIndex((r) => r.method === "PUT" && r.secret === gone) < lastPage);
    assert.equal(log.filter((r) => r.status === 409).length, 0);
  });
});

test("a live listing that fails part-way: the names it showed are written, the others fail naming the listing, and a re-run converges", async () => {
  await ownVault(60, async (own, vault) => {
    const [changed, fresh] = [uniqueName("a-chg"), uniqueName("z-new")];
    own.seed(changed, secretValue("before"));
    const entries = entriesOf([changed, fresh]);
    // One request at a time and one try each: the third page is throttled, and that fails it.
    const real = createRequestGate({ concurrency: 1, maxAttempts: 1 });
    let pages = 0;
    const gate: RequestGate = {
      write: (secret, op) => real.write(secret, op),
      read(secret, op, options) {
        if (!options?.page || ++pages !== 3) return real.read(secret, op, options);
        return real.read(
          secret,
          async (signal, progress) => {
            own.setFaults({ throttleRate: 1, retryAfter: "never" });
            try {
              return await op(signal, progress);
            } finally {
              own.setFaults({ throttleRate: 0 });
            }
          },
          options,
        );
      },
    };
    const failed = await planAndApply(entries, { vault, gate, getsUpTo: 0 });
    assert.deepEqual(failed.actions, ["updated", "failed"]);
    assert.match(failed.errors[1] ?? "", /listing the vault's secrets/);
    assert.equal(own.versions(fresh).length, 0, "nothing written for a name not planned");
    assert.equal(own.versions(changed).at(-1)?.value, entries[0]!.value);
    const again = await planAndApply(entries, { vault, getsUpTo: 0 });
    assert.deepEqual(again.actions, ["unchanged", "created"]);
  });
});
