// Delete mode through the core, against the emulator: soft delete (recoverable), absent names,
// re-runs, the dry run, a delete that takes time to complete, refusals naming the role, and
// bad input failing before any request.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Emulator, FaultSettings } from "../../../../src/emulator/index.ts";
import { emulatorPerFile, uniqueName, withEmulator } from "../../../helpers/emulator.ts";
import { secretValue } from "../../../helpers/leaks.ts";
import { runCore, writes } from "../../../helpers/core-run.ts";

const emu = emulatorPerFile();

/** A delete the vault takes `ms` to complete (reads 404, writes 409 ObjectIsBeingDeleted until then). */
function slowDeletes(ms: number): Partial<FaultSettings> {
  return { deleteDelayMs: ms };
}

test("delete: named secrets are soft-deleted (recoverable), a missing one is absent; a re-run is all absent and deletes nothing", async () => {
  const one = uniqueName("del-one");
  const two = uniqueName("del-two");
  const missing = uniqueName("del-missing");
  const values = [secretValue("one"), secretValue("two")];
  const version = emu().seed(one, values[0]!);
  emu().seed(two, values[1]!);
  emu().seed(two, secretValue("two-b"));
  const secrets = `${one}\n${two}: ANY_NAME   # the right side is ignored\n${missing}`;

  const first = await runCore(emu(), "delete", { mode: "delete", secrets }, {}, values);
  assert.equal(first.outcome.status, "ok", first.platform.failures().join("\n"));
  const rows = first.platform.result();
  assert.deepEqual(
    rows.map((r) => [r.name, r.source, r.action]),
    [
      [one, "secrets", "deleted"],
      [two, "secrets", "deleted"],
      [missing, "secrets", "absent"],
    ],
  );
  assert.equal(rows[0]?.version, version);
  assert.match(
    (rows[0] as { note?: string }).note ?? "",
    /^recoverable until \d{4}-/,
    "the row says until when it can be recovered",
  );
  assert.equal(emu().isDeleted(one), true);
  assert.equal(emu().isDeleted(two), true);
  assert.equal(emu().versions(two).length, 2, "soft delete keeps every version (nothing purged)");
  assert.equal(first.platform.output("changed"), "0", "a deletion is not a new version");
  assert.deepEqual(
    writes(first.requests).map((r) => [r.method, r.secret]),
    [
      ["DELETE", one],
      ["DELETE", two],
    ],
  );
  assert.equal(
    first.requests.some((r) => r.method === "DELETE" && r.path.startsWith("/deletedsecrets")),
    false,
    "never a purge",
  );

  const again = await runCore(emu(), "delete-rerun", { mode: "delete", secrets });
  assert.equal(again.outcome.status, "ok");
  assert.deepEqual(
    again.platform.result().map((r) => r.action),
    ["absent", "absent", "absent"],
  );
  assert.equal(again.platform.output("changed"), "0");
  assert.deepEqual(writes(again.requests), []);
});

test("delete: the dry run shows delete / absent from one listing and deletes nothing", async () => {
  const here = uniqueName("dry-here");
  const gone = uniqueName("dry-gone");
  const version = emu().seed(here, secretValue("here"));
  const { outcome, platform, requests } = await runCore(emu(), "delete-dry", {
    mode: "delete",
    "dry-run": "true",
    secrets: `${here}\n${gone}`,
  });
  assert.equal(outcome.status, "ok");
  assert.deepEqual(
    platform.result().map((r) => [r.name, r.action, r.version]),
    [
      [here, "delete", null],
      [gone, "absent", null],
    ],
  );
  assert.ok(version);
  assert.equal(emu().isDeleted(here), false);
  assert.deepEqual(
    requests.map((r) => [r.method, r.path]),
    [["GET", "/secrets"]],
  );
  assert.equal(platform.output("changed"), "0");
  assert.match(platform.texts().summary ?? "", /aml-secrets delete .*dry run/);
});

test("delete: the step waits until the vault has finished the delete, so a set of the same name right after recovers it", async () => {
  const name = uniqueName("slow-del");
  const variable = name.replace(/-/g, "_").toUpperCase();
  emu().seed(name, secretValue("old"));
  emu().setFaults(slowDeletes(1_500));
  try {
    const started = Date.now();
    const deleted = await runCore(emu(), "delete-slow", { mode: "delete", secrets: name });
    assert.equal(deleted.outcome.status, "ok");
    assert.equal(deleted.platform.result()[0]?.action, "deleted");
    assert.ok(Date.now() - started >= 1_400, "it waited for the delete to complete");
    // The SDK's own GET found it still deleting (404); polls of the deleted secret followed.
    const polls = deleted.requests.filter(
      (r) => r.method === "GET" && r.path === `/deletedsecrets/${name}`,
    );
    assert.ok(polls.length >= 2, `polled ${polls.length} times`);
    assert.equal(polls.at(-1)?.status, 200);

    // Right after: the delete is complete, so a set of that name recovers it and writes.
    const value = secretValue("new");
    const set = await runCore(
      emu(),
      "delete-slow-then-set",
      { secrets: variable },
      { [variable]: value },
    );
    assert.equal(set.outcome.status, "ok", set.platform.failures().join("\n"));
    assert.equal(set.platform.result()[0]?.action, "recovered");
    assert.equal(emu().versions(name).at(-1)?.value, value);
    assert.equal(
      set.requests.some((r) => r.status === 409 && r.fault === "ObjectIsBeingDeleted"),
      false,
      "the set never met a delete in progress",
    );
  } finally {
    emu().setFaults(slowDeletes(0));
  }
});

test("delete: a refused delete fails naming 403 and Key Vault Secrets Officer; a certificate-backed one names its certificate; the others are deleted", async () => {
  const refused = uniqueName("del-refused");
  const cert = uniqueName("del-cert");
  const fine = uniqueName("del-fine");
  emu().seed(refused, secretValue("r"));
  emu().seed(cert, secretValue("c"), { managed: true });
  emu().seed(fine, secretValue("f"));
  emu().setFaults({ forbidden: [refused] });
  let outcome;
  try {
    outcome = await runCore(emu(), "delete-refused", {
      mode: "delete",
      secrets: `${refused}\n${cert}\n${fine}`,
    });
  } finally {
    emu().setFaults({ forbidden: [] });
  }
  assert.equal(outcome.outcome.status, "failed");
  const byName = new Map(outcome.platform.result().map((r) => [r.name, r]));
  assert.equal(byName.get(fine)?.action, "deleted");
  assert.equal(byName.get(refused)?.action, "failed");
  assert.match(
    byName.get(refused)?.error ?? "",
    new RegExp(`deleting secret ${refused} failed: 403 .*Key Vault Secrets Officer`),
  );
  assert.equal(byName.get(cert)?.action, "failed");
  assert.match(
    byName.get(cert)?.error ?? "",
    /backed by a Key Vault certificate.*delete the certificate/,
  );
  assert.equal(emu().isDeleted(cert), false);
  const failure = outcome.platform.failures().join("\n");
  assert.match(failure, new RegExp(`2 of 3 secrets failed`));
  assert.match(failure, new RegExp(refused));
});

test("delete: bad input (invalid names, `*`, a name twice, nothing named) fails before any request with every problem named", async () => {
  const before = emu().requests.length;
  const { outcome, platform } = await runCore(emu(), "delete-bad", {
    mode: "delete",
    secrets: "bad_name!\n*\nok-name\nOK-NAME\n",
    tags: "a=b",
  });
  assert.equal(outcome.status, "invalid");
  const failure = platform.failures().join("\n");
  assert.match(failure, /4 problems/);
  assert.match(failure, /secrets line 1: `bad_name!` is not a valid vault secret name/);
  assert.match(failure, /secrets line 2: `\*` is not taken in delete mode/);
  assert.match(failure, /secrets line 4: `OK-NAME` is already named on secrets line 3/);
  assert.match(failure, /input tags is for set mode \(mode is delete\)/);
  assert.deepEqual(emu().requests.slice(before), [], "not one request");

  const none = await runCore(emu(), "delete-nothing", { mode: "delete", secrets: "# nothing\n" });
  assert.equal(none.outcome.status, "invalid");
  assert.match(none.platform.failures().join("\n"), /names nothing to delete/);
  assert.deepEqual(emu().requests.slice(before), []);
});

test("delete: when the SDK's read after an accepted DELETE is throttled, the secret is still reported deleted (the DELETE is not sent again)", async () => {
  let armed: Emulator | undefined;
  await withEmulator(
    async (emu) => {
      const name = uniqueName("del-throttled");
      emu.seed(name, secretValue("v"));
      armed = emu;
      const { outcome, platform, requests } = await runCore(emu, "delete-read-throttled", {
        mode: "delete",
        secrets: name,
      });
      assert.equal(outcome.status, "ok", platform.failures().join("\n"));
      assert.equal(platform.result()[0]?.action, "deleted");
      assert.equal(emu.isDeleted(name), true);
      assert.deepEqual(
        requests.filter((r) => r.method === "DELETE").map((r) => r.status),
        [200],
        "one DELETE: a retry would meet 404 and call the secret absent",
      );
      assert.ok(
        requests.some((r) => r.path === `/deletedsecrets/${name}` && r.status === 429),
        "the read after the DELETE met the throttle",
      );
    },
    {
      // The moment the DELETE is answered, every request is throttled for a second.
      onLog: (line) => {
        if (!armed || !/^DELETE \/secrets\/\S+ 200 /.test(line)) return;
        armed.setFaults({ throttleAllMs: 1_000 });
        armed = undefined;
      },
    },
  );
});
