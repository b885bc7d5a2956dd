// List mode through the core, against the emulator: every secret's attributes and never a value
// (only listing pages are requested), the names output, soft-deleted secrets, paging, retries
// of a page, and tags redacted as free text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clouds } from "../../../../src/core/vault/clouds.ts";
import { eachPage } from "../../../../src/core/vault/listing.ts";
import type { RequestGate } from "../../../../src/core/vault/gate.ts";
import type { ListedSecret } from "../../../../src/core/report/result.ts";
import { run } from "../../../../src/core/run.ts";
import { createSecretClient } from "../../../../src/core/vault/client.ts";
import { emulatorManagedIdentity, withEmulator } from "../../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../../helpers/leaks.ts";
import { MemoryPlatform } from "../../../helpers/memory-platform.ts";
import { runCore } from "../../../helpers/core-run.ts";

const hour = 3_600_000;

/** A list-mode row of the `result` output. */
interface ListedRow extends ListedSecret {
  name: string;
  source: string;
  action: string;
  version: string | null;
  id: string | null;
}

test("list: every secret with its attributes, names output, changed 0; only listing pages are requested, never a value", async () => {
  await withEmulator(async (emu) => {
    const values = [secretValue("plain"), secretValue("tagged"), secretValue("cert")];
    const expires = new Date(Date.now() + 48 * hour);
    const notBefore = new Date(Date.now() - hour);
    emu.seed("plain", values[0]!);
    emu.seed("tagged", values[1]!, {
      contentType: "text/plain",
      tags: { team: "ml", "aml-secrets-owner": "repo-a" },
      expires,
      notBefore,
    });
    emu.seed("off", secretValue("off"), { enabled: false });
    emu.seed("cert", values[2]!, { managed: true });

    const { outcome, platform, requests } = await runCore(
      emu,
      "list",
      { mode: "list" },
      {},
      values,
    );
    assert.equal(outcome.status, "ok");
    assert.deepEqual(platform.failures(), []);
    const rows = platform.result() as unknown as ListedRow[];
    // A listing names secrets, not versions (Key Vault's ids there carry no version).
    assert.deepEqual(
      rows.map((r) => [r.name, r.source, r.action, r.version, r.enabled, r.managed]),
      [
        ["cert", "vault", "listed", null, true, true],
        ["off", "vault", "listed", null, false, false],
        ["plain", "vault", "listed", null, true, false],
        ["tagged", "vault", "listed", null, true, false],
      ],
    );
    const t = rows.find((r) => r.name === "tagged")!;
    assert.equal(t.contentType, "text/plain");
    assert.deepEqual(t.tags, { team: "ml", "aml-secrets-owner": "repo-a" });
    assert.equal(t.expires, new Date(Math.floor(expires.getTime() / 1000) * 1000).toISOString());
    assert.equal(
      t.notBefore,
      new Date(Math.floor(notBefore.getTime() / 1000) * 1000).toISOString(),
    );
    assert.match(t.created ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.match(t.updated ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(t.id, `${emu.vaultUrl}/secrets/tagged`);
    const p = rows.find((r) => r.name === "plain")!;
    assert.deepEqual([p.contentType, p.tags, p.expires, p.notBefore], [null, {}, null, null]);
    assert.equal("deletedOn" in p, false);
    assert.equal(
      JSON.stringify(rows).includes("value"),
      false,
      "no row has a value field (or any value)",
    );

    assert.equal(platform.output("names"), JSON.stringify(["cert", "off", "plain", "tagged"]));
    assert.equal(platform.output("changed"), "0");
    // Only the listing: one GET of /secrets, no request that names a secret.
    assert.deepEqual(
      requests.map((r) => [r.method, r.path]),
      [["GET", "/secrets"]],
    );
    const summary = platform.texts().summary ?? "";
    assert.match(summary, /### ✅ aml-secrets list/);
    assert.match(summary, /4 secrets/);
    assert.match(summary, /\| tagged \| yes \| no \| text/);
    assert.match(summary, /team=ml/);
  });
});

test("list: include-deleted adds the soft-deleted secrets with deletion and purge dates; names holds the live ones only", async () => {
  await withEmulator(async (emu) => {
    emu.seed("live", secretValue("live"));
    emu.seed("gone", secretValue("gone"), { tags: { a: "b" } });
    emu.softDelete("gone");
    const without = await runCore(emu, "list-live", { mode: "list" });
    assert.deepEqual(
      without.platform.result().map((r) => r.name),
      ["live"],
    );
    assert.deepEqual(
      without.requests.map((r) => r.path),
      ["/secrets"],
    );

    const { outcome, platform, requests } = await runCore(emu, "list-deleted", {
      mode: "list",
      "include-deleted": "true",
    });
    assert.equal(outcome.status, "ok");
    const rows = platform.result() as unknown as ListedRow[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.source, r.action]),
      [
        ["live", "vault", "listed"],
        ["gone", "deleted", "listed"],
      ],
    );
    const deleted = rows[1]!;
    assert.deepEqual(deleted.tags, { a: "b" });
    assert.match(deleted.deletedOn ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.ok(
      Date.parse(deleted.scheduledPurgeDate ?? "") > Date.parse(deleted.deletedOn ?? ""),
      "purged after it was deleted",
    );
    assert.match(deleted.recoveryId ?? "", /\/deletedsecrets\/gone$/);
    assert.equal(platform.output("names"), JSON.stringify(["live"]));
    assert.deepEqual(requests.map((r) => r.path).sort(), ["/deletedsecrets", "/secrets"]);
    assert.match(platform.texts().summary ?? "", /Purge date/);
  });
});

test("list: 60 secrets come in 3 pages, each through the gate; a page that failed is retried and no row is lost or doubled", async () => {
  await withEmulator(async (emu) => {
    const names = Array.from({ length: 60 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    for (const name of names) emu.seed(name, secretValue(name));
    const clean = await runCore(emu, "list-pages", { mode: "list" });
    assert.deepEqual(
      clean.platform.result().map((r) => r.name),
      names,
    );
    assert.equal(clean.requests.length, 3, "25 a page");

    // A page that fails kills the SDK's page iterator: the gate's retry must still get that
    // page, once. Page 2's first try is throttled, then the gate (here: one retry) tries again.
    const client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
    let calls = 0;
    const gate: RequestGate = {
      write: (_secret, op) => op(),
      async read(_secret, op) {
        calls += 1;
        if (calls !== 2) return op();
        emu.setFaults({ throttleRate: 1, retryAfter: "never" });
        try {
          await op();
          assert.fail("the throttled page should have failed");
        } catch {
          // As the gate: the request failed, try it again.
        } finally {
          emu.setFaults({ throttleRate: 0 });
        }
        return op();
      },
    };
    const before = emu.requests.length;
    const pages: string[][] = [];
    await eachPage(
      gate,
      "*vault",
      () => client.listPropertiesOfSecrets(),
      (page) => {
        pages.push(page.map((p) => p.name));
      },
    );
    assert.deepEqual(pages, [names.slice(0, 25), names.slice(25, 50), names.slice(50)]);
    const listed = emu.requests
      .slice(before)
      .filter((r) => r.kind === "secret-read")
      .map((r) => r.status);
    // Page 1, page 2 throttled, page 1 again (the way back to page 2), page 2, page 3.
    assert.deepEqual(listed, [200, 429, 200, 200, 200]);
  });
});

test("list: tag values are redacted as free text (a known value in a tag never shows)", async () => {
  await withEmulator(async (emu) => {
    const clientSecret = secretValue("client-secret");
    emu.seed("leaky", secretValue("v"), { tags: { note: `copied ${clientSecret} here` } });
    const credential = await emulatorManagedIdentity();
    const platform = new MemoryPlatform({
      inputs: { mode: "list", "vault-url": emu.vaultUrl },
      connect: () => ({
        credential,
        cloud: clouds.AzureCloud!,
        describe: "the emulator's managed identity",
        hint: "check the identity",
        secrets: [clientSecret],
      }),
    });
    const outcome = await run(platform);
    assert.equal(outcome.status, "ok");
    const rows = platform.result() as unknown as ListedRow[];
    assert.deepEqual(rows[0]?.tags, { note: "copied *** here" });
    assertNoLeaks(platform.texts(), [clientSecret], "none");
    recordScenario("core-list-tags-redacted", platform.texts(), [clientSecret], "none");
  });
});
