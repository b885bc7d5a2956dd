// List, delete and prune through the three bundles (GitHub Action, Azure Pipelines task, CLI),
// each against an emulator of its own, with the real Azure SDK classes and the leak canary.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ownerTag } from "../../../src/core/modes/set/inputs.ts";
import type { Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertNoLeaks, secretValue } from "../../helpers/leaks.ts";
import { modeEntryPoints } from "./entry-points.ts";

/** Vault requests that name a secret (a GET of one would read its value). */
function namedReads(emu: Emulator, since: number): string[] {
  return emu.requests
    .slice(since)
    .filter((r) => r.kind === "secret-read" && r.secret !== undefined)
    .map((r) => `${r.method} ${r.path}`);
}

for (const entry of modeEntryPoints) {
  void describe(entry.name, { concurrency: 1 }, () => {
    void test("list: every secret's attributes and the names output, never a value; include-deleted adds the deleted ones", async () => {
      await withEmulator(async (emu) => {
        const values = [secretValue("alpha"), secretValue("beta"), secretValue("gamma")];
        emu.seed("alpha", values[0]!, { tags: { team: "ml" }, contentType: "text/plain" });
        emu.seed("beta", values[1]!, { enabled: false });
        emu.seed("gamma", values[2]!);
        emu.softDelete("gamma");
        const before = emu.requests.length;
        const run = await entry.run(emu, "list", { mode: "list", "include-deleted": "true" });
        assert.ok(run.ok, run.describe);
        assert.deepEqual(
          run.rows.map((r) => [r.name, r.source, r.action, r.enabled]),
          [
            ["alpha", "vault", "listed", true],
            ["beta", "vault", "listed", false],
            ["gamma", "deleted", "listed", true],
          ],
        );
        assert.deepEqual(run.rows[0]?.tags, { team: "ml" });
        assert.match(run.rows[2]?.deletedOn ?? "", /^\d{4}-/);
        if (run.names !== undefined) assert.equal(run.names, JSON.stringify(["alpha", "beta"]));
        else assert.equal(entry.name, "CLI", "the action and the task set names");
        assert.deepEqual(namedReads(emu, before), [], "only listing pages were requested");
        // Nothing read, so nothing could leak; but make sure no value slipped into any output.
        assertNoLeaks({ rows: JSON.stringify(run.rows), report: run.report }, values, "none");
        if (entry.name !== "CLI") {
          assert.match(run.report, /alpha/);
          assert.match(run.report, /team=ml/);
        }
      });
    });

    void test("delete: deleted and absent; a re-run is all absent; the dry run deletes nothing", async () => {
      await withEmulator(async (emu) => {
        emu.seed("one", secretValue("one"));
        emu.seed("two", secretValue("two"));
        const dry = await entry.run(emu, "delete-dry", {
          mode: "delete",
          secrets: "one\nnope",
          "dry-run": "true",
        });
        assert.ok(dry.ok, dry.describe);
        assert.deepEqual(
          dry.rows.map((r) => [r.name, r.action]),
          [
            ["one", "delete"],
            ["nope", "absent"],
          ],
        );
        assert.equal(emu.isDeleted("one"), false);

        const run = await entry.run(emu, "delete", { mode: "delete", secrets: "one\nnope" });
        assert.ok(run.ok, run.describe);
        assert.deepEqual(
          run.rows.map((r) => [r.name, r.source, r.action]),
          [
            ["one", "secrets", "deleted"],
            ["nope", "secrets", "absent"],
          ],
        );
        assert.equal(emu.isDeleted("one"), true);
        assert.equal(emu.isDeleted("two"), false);

        const again = await entry.run(emu, "delete-rerun", { mode: "delete", secrets: "one" });
        assert.ok(again.ok, again.describe);
        assert.deepEqual(
          again.rows.map((r) => r.action),
          ["absent"],
        );
      });
    });

    void test("set with owner and prune: the write carries the owner tag; the owner's unmapped secret is deleted, the others never", async () => {
      await withEmulator(async (emu) => {
        const owner = "org/repo";
        emu.seed("orphan", secretValue("orphan"), { tags: { [ownerTag]: owner } });
        emu.seed("foreign", secretValue("foreign"), { tags: { [ownerTag]: "someone-else" } });
        emu.seed("untagged", secretValue("untagged"));
        const values = { DB_PASSWORD: secretValue("db") };
        const run = await entry.run(
          emu,
          "prune",
          { secrets: "DB_PASSWORD", owner, prune: "true" },
          values,
        );
        assert.ok(run.ok, run.describe);
        assert.deepEqual(
          run.rows.map((r) => [r.name, r.source, r.action]),
          [
            ["db-password", "DB_PASSWORD", "created"],
            ["orphan", "prune", "deleted"],
          ],
        );
        assert.deepEqual(emu.versions("db-password").at(-1)?.tags, { [ownerTag]: owner });
        assert.equal(emu.versions("db-password").at(-1)?.value, values.DB_PASSWORD);
        assert.equal(emu.isDeleted("orphan"), true);
        assert.equal(emu.isDeleted("foreign"), false);
        assert.equal(emu.isDeleted("untagged"), false);
      });
    });

    void test("bad input (an invalid name and `*` in delete mode; prune without owner) fails before any request, every problem named", async () => {
      await withEmulator(async (emu) => {
        const del = await entry.run(emu, "delete-bad", {
          mode: "delete",
          secrets: "bad_name!\n*",
        });
        assert.equal(del.ok, false);
        assert.match(del.failure, /`bad_name!` is not a valid vault secret name/);
        assert.match(del.failure, /`\*` is not taken in delete mode/);
        const values = { API_KEY: secretValue("api") };
        const prune = await entry.run(
          emu,
          "prune-bad",
          { secrets: "API_KEY\nbad_name!: API_KEY", prune: "true" },
          values,
        );
        assert.equal(prune.ok, false);
        assert.match(prune.failure, /needs .*owner/);
        assert.match(prune.failure, /`bad_name!` is not a valid vault secret name/);
        assert.deepEqual(
          emu.requests.map((r) => `${r.kind} ${r.method} ${r.path}`),
          [],
          "not one request, token requests included",
        );
      });
    });
  });
}

test("CLI: list prints a table of attributes, and --help documents list and delete", async () => {
  await withEmulator(async (emu) => {
    emu.seed("table-one", secretValue("one"), { contentType: "text/plain", tags: { a: "b" } });
    // A tag someone wrote with a terminal escape and a line break: shown inert, on one line.
    emu.seed("table-two", secretValue("two"), { enabled: false, tags: { x: "\u001b[2Jz\nw" } });
    const run = await runCli(
      ["list", "--vault-url", emu.vaultUrl, "--auth", "managed-identity"],
      emu.env(),
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.match(
      lines[0] ?? "",
      /^NAME\s+ENABLED\s+MANAGED\s+CONTENT-TYPE\s+UPDATED\s+EXPIRES\s+TAGS$/,
    );
    assert.match(lines[1] ?? "", /^table-one\s+yes\s+no\s+text\/plain\s+\d{4}-\d\d-\d\d\s+a=b$/);
    assert.match(lines[2] ?? "", /^table-two\s+no\s+no\s+\d{4}-\d\d-\d\d\s+x=\?\[2Jz\?w$/);
    assert.equal(run.stdout.includes("\u001b"), false);
    assert.match(run.stdout, /^2 secrets$/m);
    const help = await runCli(["--help"], {});
    assert.match(help.stdout, /list\s+every secret's name and attributes/);
    assert.match(help.stdout, /delete\s+soft-delete the named secrets/);
    const deleteHelp = await runCli(["delete", "--help"], {});
    assert.match(deleteHelp.stdout, /--dry-run/);
  });
});
