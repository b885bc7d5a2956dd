/**
 * `npm run bench -- --check`, the part that needs no vault: the floors are the service's alone.
 * floors.ts imports nothing (so no product setting can reach a floor), no bench file imports
 * the product's core, and the floors come out of Key Vault's published budgets: 300 writes and
 * 4,000 others per 10 s, 25 a page.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { budgetFloorMs, floor, keyVaultService, listShape, setShape } from "./floors.ts";

const here = import.meta.dirname;
const source = readFileSync(path.join(here, "floors.ts"), "utf8");
assert.doesNotMatch(
  source,
  /^\s*import\b|\brequire\s*\(|\bimport\s*\(/m,
  "floors.ts imports nothing",
);

for (const entry of readdirSync(here, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(ts|mjs)$/.test(entry.name)) continue;
  const file = path.join(entry.parentPath, entry.name);
  const text = readFileSync(file, "utf8");
  assert.doesNotMatch(
    text,
    /from\s+["'][./]*src\/core\b|import\(\s*["'][./]*src\/core\b/,
    `${path.relative(here, file)} imports the product's core: run the product through its bundle`,
  );
}

assert.deepEqual(keyVaultService, { windowMs: 10_000, writes: 300, others: 4_000, pageSize: 25 });
// 600 writes: two windows; the second group goes 10 s after the first, and answers a round trip later.
assert.equal(budgetFloorMs(600, 300, 20), 10_020);
assert.equal(budgetFloorMs(300, 300, 20), 20);
assert.equal(budgetFloorMs(10_400, 4_000, 0), 20_000);
// mixed-2000: 600 writes, the first after the token and the read that says what to write.
const mixed = setShape({
  unchanged: 1500,
  changed: 200,
  created: 100,
  disabled: 100,
  deleted: 100,
});
assert.equal(mixed.writes, 600);
assert.deepEqual(floor(mixed, 20), {
  ms: 10_060,
  binding: "writes",
  terms: { writes: 10_060, others: 40, chain: 80 },
});
// 250 new: one window; token, listing, writes.
assert.equal(
  floor(setShape({ unchanged: 0, changed: 0, created: 250, disabled: 0, deleted: 0 }), 20).ms,
  60,
);
// 10,000 unchanged: 10,000 GETs (fewer than the listing and the GETs): three windows of others.
assert.equal(
  floor(setShape({ unchanged: 10_000, changed: 0, created: 0, disabled: 0, deleted: 0 }), 0).ms,
  20_000,
);
// list: a chain of pages.
assert.equal(floor(listShape(1_000), 20).ms, 41 * 20);
console.log(
  "floors: from Key Vault's budgets alone (floors.ts imports nothing; no bench file imports src/core)",
);
