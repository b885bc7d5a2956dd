// Every mode's listing is bounded, through the three bundles (bounds.test.ts does get's `*`):
// list mode, delete's dry run and set mode's plan each fail on a nextLink to another origin (no
// request reaches it) and on a nextLink that repeats, and change nothing. A listing whose page
// fails once (a 503) is retried and completes; one of 5,001 pages stops at the 5,000th.
import assert from "node:assert/strict";
import { test } from "node:test";
import { plannedFromGetsUpTo } from "../../../src/core/modes/set/plan.ts";
import { unique } from "../../helpers/emulator.ts";
import { startHostileVault, type Behaviour } from "../../helpers/hostile-vault.ts";
import { secretValue } from "../../helpers/leaks.ts";
import {
  allText,
  assertFailed,
  hostileVaultPerFile,
  platforms,
  runStep,
  type Step,
} from "./steps.ts";

const started = hostileVaultPerFile();

/** Page `n` of a listing (from 1): `perPage` names, and a nextLink made of the request's URL. */
function page(n: number, perPage: number, next: (u: URL) => string | null): Behaviour {
  const names = Array.from({ length: perPage }, (_, i) => `p${n}-${i}`);
  return { kind: "page", names, next };
}

/** `?page=N` of a request (1 without one). */
function pageOf(u: URL): number {
  return Number(u.searchParams.get("page") ?? "1");
}

/** Set mode plans from the listing a mapping of more names than it plans from GETs. */
const kept = Array.from({ length: plannedFromGetsUpTo + 1 }, (_, i) => `KEPT_${i}`);

const modes: [string, Omit<Step, "vault">][] = [
  ["list mode", { mode: "list", secrets: "" }],
  ["delete's dry run", { mode: "delete", secrets: "gone", dryRun: true }],
  [
    "set mode's plan",
    {
      mode: "set",
      secrets: kept.join("\n"),
      variables: Object.fromEntries(kept.map((k) => [k, secretValue(k)])),
    },
  ],
];

for (const platform of platforms) {
  for (const [what, step] of modes) {
    void test(`${platform}: ${what}: a nextLink to another origin fails the listing, nothing sent there or changed`, async () => {
      const { emulator } = started();
      const elsewhere = await startHostileVault({ emulator });
      const vault = await startHostileVault({
        emulator,
        listing: page(1, 1, () => `${elsewhere.url}/secrets?page=2`),
      });
      try {
        const outcome = await runStep(platform, emulator, { ...step, vault: { url: vault.url } });
        assertFailed(outcome);
        assert.match(allText(outcome), /another origin/, outcome.describe);
        assert.equal(elsewhere.hits, 0, "no request reached the other origin");
        assert.deepEqual(vault.writes, [], "nothing was written");
        assert.ok(
          vault.requests.every((r) => r.startsWith("GET ")),
          `only reads: ${vault.requests.join(", ")}`,
        );
      } finally {
        await vault.stop();
        await elsewhere.stop();
      }
    });

    void test(`${platform}: ${what}: a nextLink that repeats fails at once, nothing changed`, async () => {
      const { emulator } = started();
      const vault = await startHostileVault({
        emulator,
        listing: page(1, 1, (u) => `${u.origin}/secrets?page=2`),
      });
      try {
        const outcome = await runStep(platform, emulator, { ...step, vault: { url: vault.url } });
        assertFailed(outcome);
        assert.match(allText(outcome), /already sent \(its next link repeats/, outcome.describe);
        assert.deepEqual(vault.writes, [], "nothing was written");
        assert.ok(
          vault.requests.filter((r) => r === "GET /secrets").length <= 12,
          `${vault.requests.length} requests`,
        );
      } finally {
        await vault.stop();
      }
    });
  }

  void test(`${platform}: a listing whose second page fails once (503) is tried again and completes`, async () => {
    const { emulator } = started();
    let failed = false;
    const vault = await startHostileVault({
      emulator,
      listing: {
        kind: "each",
        answer: (u) => {
          const n = pageOf(u);
          if (n === 2 && !failed) {
            failed = true;
            return { kind: "error", status: 503, code: "ServiceUnavailable", message: "busy" };
          }
          return page(n, 2, (v) => (n < 3 ? `${v.origin}/secrets?page=${n + 1}` : null));
        },
      },
    });
    try {
      const outcome = await runStep(platform, emulator, {
        mode: "list",
        secrets: "",
        vault: { url: vault.url },
      });
      assert.equal(outcome.ok, true, outcome.describe);
      assert.ok(failed, "page 2 failed once");
      const text = allText(outcome);
      for (const n of [1, 2, 3]) assert.ok(text.includes(`p${n}-1`), `page ${n} listed`);
    } finally {
      await vault.stop();
    }
  });
}

void test(
  "cli: a listing of 5,001 pages of 25 stops at 5,000 pages, naming the bound",
  // The CLI once ended here "Maximum call stack size exceeded": the report's column widths took
  // the 125,000 rows as Math.max's arguments (summary.test.ts has that alone).
  { timeout: 600_000 },
  async () => {
    const { emulator } = started();
    const id = unique();
    const vault = await startHostileVault({
      emulator,
      listing: {
        kind: "each",
        answer: (u) => {
          const n = pageOf(u);
          return page(n, 25, (v) =>
            n < 5_001 ? `${v.origin}/secrets?page=${n + 1}&l=${id}` : null,
          );
        },
      },
    });
    try {
      const outcome = await runStep("cli", emulator, {
        mode: "list",
        secrets: "",
        vault: { url: vault.url },
      });
      assertFailed(outcome);
      assert.match(allText(outcome), /went on past 5000 pages/, outcome.describe);
      const pages = vault.requests.filter((r) => r === "GET /secrets").length;
      assert.ok(pages >= 5_000 && pages <= 5_001, `${pages} pages asked for`);
      console.log(`5,000 pages: ${outcome.tookMs} ms`);
    } finally {
      await vault.stop();
    }
  },
);
