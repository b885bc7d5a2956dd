// The summary leads with the outcome: the mark and title, the vault and mode, the counts per
// action (failed first), the failed entries, then the full table, folded away when long, its
// names in numeric order; modes that change nothing say nothing of "changed".
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResultRow } from "../../../src/core/report/result.ts";
import {
  byName,
  foldRowsAbove,
  listSummaryMarkdown,
  rowLines,
  summaryMarkdown,
} from "../../../src/core/report/summary.ts";
import { resultTable } from "../../../src/platforms/cli/table.ts";

const vault = "https://kv.vault.azure.net";

function rows(count: number, failed: number[] = []): ResultRow[] {
  return Array.from({ length: count }, (_, i): ResultRow => {
    const name = `secret-${i + 1}`;
    return failed.includes(i + 1)
      ? { name, source: `S_${i + 1}`, action: "failed", error: `403 Forbidden for ${name}` }
      : { name, source: `S_${i + 1}`, action: i % 2 ? "created" : "unchanged", version: "v1" };
  }).reverse();
}

test("the first lines say how it went, where and how much, failed first", () => {
  const md = summaryMarkdown("aml-secrets set", rows(12, [10]), { vault, mode: "set" });
  const lines = md.split("\n");
  assert.equal(lines[0], "### ❌ aml-secrets set");
  assert.equal(lines[2], `vault \`${vault}\` · mode set`);
  assert.equal(lines[4], "**12 entries; 5 changed**: ❌ 1 failed · ➖ 6 unchanged · ✅ 5 created");
  const failedAt = lines.indexOf("#### ❌ Failed (1)");
  const tableAt = lines.indexOf("| Secret | Source | Action | Version | Details |");
  assert.ok(failedAt > 4 && failedAt < tableAt, "the failed entries come before the table");
  assert.equal(lines[failedAt + 4], "| secret-10 | S\\_10 | 403 Forbidden for secret-10 |");
  assert.ok(!md.includes("<details>"), "a short table is shown whole");
  // The reason is given once, in the failures: the full table points there.
  assert.equal(md.split("403 Forbidden for secret-10").length, 2);
  assert.ok(lines.includes("| secret-10 | S\\_10 | ❌ failed |  | see Failed above |"));
  const ok = summaryMarkdown("aml-secrets set", rows(3), { vault, workspace: "ws", mode: "set" });
  assert.match(ok, /^### ✅ aml-secrets set\n\nvault `[^`]+` · workspace ws · mode set/);
  assert.ok(!ok.includes("Failed"));
});

test("names in numeric order: secret-2 before secret-10, in the summary and the CLI's table", () => {
  const md = summaryMarkdown("aml-secrets set", rows(12), { mode: "set" });
  const names = md
    .split("\n")
    .filter((l) => l.startsWith("| secret-"))
    .map((l) => l.split(" | ")[0]?.slice(2));
  assert.deepEqual(
    names,
    Array.from({ length: 12 }, (_, i) => `secret-${i + 1}`),
  );
  assert.deepEqual(
    byName([{ name: "B-10" }, { name: "a-2" }, { name: "b-9" }]).map((r) => r.name),
    ["a-2", "b-9", "B-10"],
  );
  const table = resultTable(JSON.stringify(rows(12)), "6");
  const tableNames = table
    .split("\n")
    .filter((l) => l.startsWith("secret-"))
    .map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(
    tableNames,
    Array.from({ length: 12 }, (_, i) => `secret-${i + 1}`),
  );
});

test(`beyond ${foldRowsAbove} rows the full table is folded away, the failed ones still shown`, () => {
  const md = summaryMarkdown("aml-secrets set", rows(foldRowsAbove + 1, [7]), { mode: "set" });
  const lines = md.split("\n");
  const details = lines.indexOf(`<details><summary>All ${foldRowsAbove + 1} entries</summary>`);
  assert.ok(details > lines.indexOf("#### ❌ Failed (1)"));
  // GitHub renders a table inside <details> only after a blank line.
  assert.equal(lines[details + 1], "");
  assert.equal(lines.at(-2), "</details>");
  const exactly = summaryMarkdown("aml-secrets set", rows(foldRowsAbove), { mode: "set" });
  assert.ok(!exactly.includes("<details>"));
});

test("get and list change nothing: their summaries do not count changed", () => {
  const read: ResultRow[] = [{ name: "a", source: "A", action: "read", version: "v" }];
  const get = summaryMarkdown("aml-secrets get", read, { vault, mode: "get" });
  assert.match(get, /\*\*1 entry\*\*: ✅ 1 read/);
  assert.ok(!get.includes("changed"));
  const listed: ResultRow[] = [
    {
      name: "a",
      source: "vault",
      action: "listed",
      listed: {
        enabled: true,
        contentType: null,
        tags: {},
        created: null,
        updated: null,
        expires: null,
        notBefore: null,
        managed: false,
      },
    },
  ];
  const list = listSummaryMarkdown("aml-secrets list", listed, { vault });
  assert.match(list, /^### ✅ aml-secrets list\n\nvault `[^`]+` · mode list\n\n\*\*1 secret/);
  assert.ok(!list.includes("changed"));
  assert.doesNotMatch(resultTable(JSON.stringify(read), undefined), /changed/);
});

void test("125,000 rows (a listing at its 5,000-page bound) are laid out: the log's lines and the CLI's table", () => {
  const many = rows(125_000);
  const lines = rowLines(many);
  assert.equal(lines.length, 125_000);
  assert.equal(lines[0], "secret-125000  created    version v1");
  const table = resultTable(JSON.stringify(many), "0");
  assert.deepEqual(table.split("\n").slice(0, 2), [
    "SECRET         SOURCE    ACTION     VERSION  DETAILS",
    "secret-1       S_1       unchanged  v1",
  ]);
  assert.equal(
    table.slice(table.lastIndexOf("\n", table.length - 2) + 1),
    "125000 secrets, 0 changed, 0 failed\n",
  );
});
