// One truth for the GitHub OIDC audiences: the table of docs/first-run-azure.md is the cloud
// table the action reads (src/core/vault/clouds.ts), row for row.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { clouds } from "../../../src/core/vault/clouds.ts";

const doc = readFileSync(
  path.resolve(import.meta.dirname, "..", "..", "..", "docs", "first-run-azure.md"),
  "utf8",
);

test("first-run-azure.md lists each cloud's audience as the action asks for it", () => {
  const rows = [...doc.matchAll(/^\| `(\w+)` \| `(api:\/\/[^`]+)` \|$/gm)].map(([, c, a]) => [
    c,
    a,
  ]);
  const code = Object.values(clouds).map((c) => [c.name, c.tokenExchangeAudience]);
  assert.deepEqual(rows.sort(), code.sort());
});
