// The final sweep: every scenario of the suite recorded what it printed and wrote, with the
// values it used; search all of it at once, each value in every form, against every text.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { findLeaks, type MaskDialect } from "../../helpers/leaks.ts";

interface Recorded {
  name: string;
  texts: Record<string, string>;
  values: string[];
  dialect: MaskDialect;
}

const dir = process.env.AML_TEST_ARTIFACTS ?? "";

function recorded(): Recorded[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Recorded);
}

test("no value of any scenario appears in anything any scenario produced", () => {
  assert.ok(dir, "run through test/run.mjs, which sets AML_TEST_ARTIFACTS");
  const scenarios = recorded();
  // A sweep over nothing proves nothing: the suite records well over this many.
  assert.ok(scenarios.length >= 10, `only ${scenarios.length} scenarios were recorded`);
  const allValues = [...new Set(scenarios.flatMap((s) => s.values))];
  const leaks = scenarios.flatMap((s) =>
    findLeaks(
      Object.fromEntries(Object.entries(s.texts).map(([k, v]) => [`${s.name}: ${k}`, v])),
      // Each scenario's texts are searched for every value of the whole suite.
      allValues,
      s.dialect,
    ),
  );
  assert.deepEqual(
    leaks.map((l) => `${l.form} form of ${l.valueHint} in ${l.where}`),
    [],
  );
});
