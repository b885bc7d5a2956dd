// Set mode's owner tag and prune, through the core against the emulator: only the enabled
// secrets whose latest version carries this owner's tag and which the mapping no longer names
// are soft-deleted; never one without the tag, with another owner, last written by someone
// else, or disabled. The dry run shows `delete`; bad input fails before any request.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ownerTag } from "../../../../src/core/modes/set/inputs.ts";
import { emulatorPerFile, unique } from "../../../helpers/emulator.ts";
import { secretValue } from "../../../helpers/leaks.ts";
import { runCore, writes } from "../../../helpers/core-run.ts";

const emu = emulatorPerFile();

/** Names for one test: every vault name starts with `p-<id>-`. */
function fixture(): {
  id: string;
  vault: (label: string) => string;
  variable: (label: string) => string;
} {
  const id = unique();
  return {
    id,
    vault: (label) => `p-${id}-${label}`,
    variable: (label) => `P_${id.toUpperCase()}_${label.toUpperCase()}`,
  };
}

test("owner: every secret set mode writes carries aml-secrets-owner=<owner> beside the tags input", async () => {
  const f = fixture();
  const owner = `repo-${f.id}`;
  const values = { [f.variable("a")]: secretValue("a") };
  const { outcome } = await runCore(
    emu(),
    "owner-tag",
    { secrets: f.variable("a"), owner, tags: "team=ml" },
    values,
  );
  assert.equal(outcome.status, "ok");
  assert.deepEqual(emu().versions(f.vault("a")).at(-1)?.tags, { team: "ml", [ownerTag]: owner });
});

test("prune: only the owner's enabled secrets that the mapping no longer names are deleted, after the writes; a re-run deletes nothing", async () => {
  const f = fixture();
  const owner = `repo-${f.id}`;
  const mine = { [ownerTag]: owner };
  // Written earlier by this pipeline and still mapped: kept (and unchanged).
  const keptValue = secretValue("kept");
  emu().seed(f.vault("kept"), keptValue, { tags: mine });
  // Written earlier by this pipeline, no longer mapped: pruned.
  emu().seed(f.vault("old"), secretValue("old"), { tags: mine });
  emu().seed(f.vault("older"), secretValue("older"), { tags: { ...mine, other: "x" } });
  // Never touched: no tag, another owner, a foreign write after ours, disabled, certificate-backed.
  emu().seed(f.vault("untagged"), secretValue("untagged"));
  emu().seed(f.vault("theirs"), secretValue("theirs"), { tags: { [ownerTag]: `${owner}-2` } });
  emu().seed(f.vault("rewritten"), secretValue("ours"), { tags: mine });
  emu().seed(f.vault("rewritten"), secretValue("someone else's"));
  emu().seed(f.vault("disabled"), secretValue("disabled"), { tags: mine, enabled: false });
  emu().seed(f.vault("cert"), secretValue("cert"), { tags: mine, managed: true });
  // A different case of the owner is another owner (tags compare exactly).
  emu().seed(f.vault("case"), secretValue("case"), { tags: { [ownerTag]: owner.toUpperCase() } });

  const values = { [f.variable("kept")]: keptValue, [f.variable("new")]: secretValue("new") };
  const inputs = {
    secrets: `${f.variable("kept")}\n${f.variable("new")}`,
    owner,
    prune: "true",
  };

  const dry = await runCore(emu(), "prune-dry", { ...inputs, "dry-run": "true" }, values);
  assert.equal(dry.outcome.status, "ok");
  assert.deepEqual(
    dry.platform.result().map((r) => [r.name, r.source, r.action]),
    [
      [f.vault("kept"), f.variable("kept"), "unchanged"],
      [f.vault("new"), f.variable("new"), "create"],
      [f.vault("old"), "prune", "delete"],
      [f.vault("older"), "prune", "delete"],
    ],
  );
  assert.deepEqual(writes(dry.requests), [], "the dry run deletes nothing");

  const applied = await runCore(emu(), "prune", inputs, values);
  assert.equal(applied.outcome.status, "ok", applied.platform.failures().join("\n"));
  assert.deepEqual(
    applied.platform.result().map((r) => [r.name, r.source, r.action]),
    [
      [f.vault("kept"), f.variable("kept"), "unchanged"],
      [f.vault("new"), f.variable("new"), "created"],
      [f.vault("old"), "prune", "deleted"],
      [f.vault("older"), "prune", "deleted"],
    ],
  );
  assert.equal(applied.platform.output("changed"), "1", "one new version; deletions are not");
  for (const gone of ["old", "older"]) assert.equal(emu().isDeleted(f.vault(gone)), true, gone);
  for (const kept of ["kept", "untagged", "theirs", "rewritten", "disabled", "cert", "case"])
    assert.equal(emu().isDeleted(f.vault(kept)), false, `${kept} is never pruned`);
  // The deletes come after every write.
  const order = writes(applied.requests).map((r) => `${r.method} ${r.secret ?? ""}`);
  assert.deepEqual(order, [
    `PUT ${f.vault("new")}`,
    `DELETE ${f.vault("old")}`,
    `DELETE ${f.vault("older")}`,
  ]);

  const again = await runCore(emu(), "prune-rerun", inputs, values);
  assert.equal(again.outcome.status, "ok");
  assert.deepEqual(
    again.platform.result().map((r) => r.action),
    ["unchanged", "unchanged"],
  );
  assert.deepEqual(writes(again.requests), []);

  // Without prune, nothing is deleted even when the mapping shrinks.
  const shrunk = await runCore(emu(), "prune-off", { secrets: f.variable("kept"), owner }, values);
  assert.equal(shrunk.outcome.status, "ok");
  assert.equal(emu().isDeleted(f.vault("new")), false);
});

test("prune: a run with a failed entry deletes nothing (the candidates show as skipped)", async () => {
  const f = fixture();
  const owner = `repo-${f.id}`;
  emu().seed(f.vault("orphan"), secretValue("orphan"), { tags: { [ownerTag]: owner } });
  emu().seed(f.vault("cert"), secretValue("cert"), { managed: true });
  const values = { [f.variable("cert")]: secretValue("new-cert") };
  const { outcome, platform, requests } = await runCore(
    emu(),
    "prune-failed-entry",
    { secrets: f.variable("cert"), owner, prune: "true" },
    values,
  );
  assert.equal(outcome.status, "failed");
  assert.deepEqual(
    platform.result().map((r) => [r.name, r.action]),
    [
      [f.vault("cert"), "failed"],
      [f.vault("orphan"), "skipped"],
    ],
  );
  assert.match(
    (platform.result()[1] as { note?: string }).note ?? "",
    /not pruned: an entry of this run failed/,
  );
  assert.equal(emu().isDeleted(f.vault("orphan")), false);
  assert.deepEqual(writes(requests), []);
});

test("prune and owner: bad input (prune without owner, too many tags with the owner's, an owner too long, the owner tag in tags) fails before any request, every problem named", async () => {
  const f = fixture();
  const values = { [f.variable("a")]: secretValue("a") };
  const before = emu().requests.length;
  const fifteen = Array.from({ length: 15 }, (_, i) => `t${i}=v`).join("\n");
  const cases: [Record<string, string>, RegExp[]][] = [
    [{ prune: "true" }, [/input prune needs owner/]],
    [
      { owner: "me", tags: fifteen },
      [
        /input tags has 16 tags with the aml-secrets-owner tag of owner \(Key Vault allows at most 15\)/,
      ],
    ],
    [{ owner: "x".repeat(257) }, [/input owner is 257 characters long/]],
    [
      { owner: "me", tags: `${ownerTag}=other` },
      [/sets aml-secrets-owner: that tag is the owner input's/],
    ],
    [
      { prune: "true", secrets: "bad_name!: X", mode: "set" },
      [/input prune needs owner/, /`bad_name!` is not a valid vault secret name/],
    ],
  ];
  for (const [inputs, problems] of cases) {
    const { outcome, platform } = await runCore(
      emu(),
      "prune-bad",
      { secrets: f.variable("a"), ...inputs },
      values,
    );
    assert.equal(outcome.status, "invalid", JSON.stringify(inputs));
    const failure = platform.failures().join("\n");
    for (const problem of problems) assert.match(failure, problem);
  }
  assert.deepEqual(emu().requests.slice(before), [], "not one request");
  assert.equal(emu().versions(f.vault("a")).length, 0);
});
