// get mode's out-file formats read back by the real readers: sh and bash (`. FILE`), JSON.parse,
// the npm dotenv package and python-dotenv, over the corpus and random values made of the
// characters those parsers treat specially. An entry a format cannot carry must be refused by
// name, with a format that can, and never half-written.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { renderOutFile, type OutEntry } from "../../../../src/core/modes/get/out-file.ts";
import type { OutFormat } from "../../../../src/core/modes/get/out-file.ts";
import { assertNoLeaks, canary, recordScenario } from "../../../helpers/leaks.ts";
import {
  corpus,
  pythonDotenvReaders,
  readWithNpmDotenv,
  readWithPythonDotenv,
  readWithShell,
} from "../../../helpers/out-file-readers.ts";

const dir = mkdtempSync(path.join(tmpdir(), "aml-out-formats-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function written(format: OutFormat, entries: readonly OutEntry[]) {
  const { text, refused } = renderOutFile(format, entries);
  const file = path.join(dir, `${format}-${(files += 1)}`);
  writeFileSync(file, text);
  return { file, text, refused };
}

/** The names whose value came back different (never the values: they would land in the log). */
function differing(
  entries: readonly OutEntry[],
  got: Record<string, string | null | undefined>,
): string[] {
  return entries.filter((e) => got[e.name] !== e.value).map((e) => e.name);
}

/** The refusal messages: they must name the entry and a format, and never carry a value. */
function checkRefusals(
  scenario: string,
  refused: { name: string; reason: string }[],
  values: string[],
): void {
  const texts = { reasons: refused.map((r) => `${r.name}: ${r.reason}`).join("\n") };
  assertNoLeaks(texts, values, "none");
  recordScenario(`out-file ${scenario}`, texts, values, "none");
}

test("shell: sh and bash read every value of the corpus back exactly with `. FILE`", async () => {
  const entries = corpus();
  const { file, refused } = written("shell", entries);
  assert.deepEqual(refused, []);
  const names = entries.map((e) => e.name);
  for (const shell of ["sh", "bash"] as const) {
    const got = await readWithShell(shell, file, names);
    assert.deepEqual(differing(entries, got), [], `${shell} read these back differently`);
  }
});

test("json: JSON.parse reads every value back, a NUL and a lone surrogate too", () => {
  const entries = [
    ...corpus(),
    { name: "NUL", value: `${canary()}\0after` },
    { name: "LONE_SURROGATE", value: `${canary()}\uD800x` },
  ];
  const { text, refused } = written("json", entries);
  assert.deepEqual(refused, []);
  const parsed = JSON.parse(text) as Record<string, string>;
  assert.deepEqual(
    Object.keys(parsed),
    entries.map((e) => e.name),
  );
  assert.deepEqual(differing(entries, parsed), []);
});

test("dotenv: the npm dotenv and python-dotenv read every value back exactly; what neither quoting carries is refused, naming json or shell", async (t) => {
  const entries = corpus();
  const { file, refused } = written("dotenv", entries);
  const expected = entries.filter((e) => e.dotenvRefuses).map((e) => e.name);
  assert.deepEqual(
    refused.map((r) => r.name),
    expected,
  );
  for (const r of refused)
    assert.match(r.reason, /^dotenv format: .*use out-format json or shell$/);
  checkRefusals(
    "dotenv refusals",
    refused,
    entries.map((e) => e.value),
  );
  const carried = entries.filter((e) => !e.dotenvRefuses);

  const npm = readWithNpmDotenv(file);
  assert.deepEqual(
    Object.keys(npm),
    carried.map((e) => e.name),
    "npm dotenv: keys",
  );
  assert.deepEqual(differing(carried, npm), [], "npm dotenv read these back differently");
  for (const { python, version } of pythonDotenvReaders(t)) {
    const got = await readWithPythonDotenv(python, file);
    const what = `python-dotenv ${version} (${python})`;
    assert.deepEqual(
      Object.keys(got),
      carried.map((e) => e.name),
      `${what}: keys`,
    );
    assert.deepEqual(differing(carried, got), [], `${what} read these back differently`);
  }
});

test("random values made of what the parsers treat specially: each is read back exactly by every reader, or refused", async (t) => {
  const special = [..."abnrtvf'\"`\\#${}:-= \t\n\r", "\u2028", "\u00A0", "e\u0301", "\u{1F511}"];
  const values = fc.sample(fc.string({ unit: fc.constantFrom(...special), maxLength: 12 }), {
    numRuns: 1500,
    seed: 1234,
  });
  const entries = values.map((value, i) => ({ name: `K_${i}`, value }));

  const dotenvFile = written("dotenv", entries);
  const refused = new Set(dotenvFile.refused.map((r) => r.name));
  const carried = entries.filter((e) => !refused.has(e.name));
  // The refusals are the rare combinations (see the README), not a way out of the hard cases.
  assert.ok(refused.size < entries.length * 0.15, `dotenv refused ${refused.size} of 1500`);
  assert.deepEqual(differing(carried, readWithNpmDotenv(dotenvFile.file)), [], "npm dotenv");
  for (const { python, version } of pythonDotenvReaders(t)) {
    const got = await readWithPythonDotenv(python, dotenvFile.file);
    assert.deepEqual(differing(carried, got), [], `python-dotenv ${version}`);
  }

  const shellFile = written("shell", entries);
  assert.deepEqual(shellFile.refused, []);
  const names = entries.map((e) => e.name);
  assert.deepEqual(differing(entries, await readWithShell("bash", shellFile.file, names)), []);
  assert.deepEqual(differing(entries, await readWithShell("sh", shellFile.file, names)), []);
});

test("names and values a format cannot hold are refused by name, naming a format that can", async () => {
  const value = (): string => `v-${canary()}`;
  const surrogateCanary = canary();
  const entries = [
    { name: "app.token", value: value() },
    { name: "RANDOM", value: value() },
    { name: "UID", value: value() },
    { name: "WITH_NUL", value: `${canary()}\0` },
    { name: "LONE_SURROGATE", value: `${surrogateCanary}\uDC00` },
    { name: "FINE", value: value() },
  ];
  const shell = written("shell", entries);
  assert.deepEqual(
    shell.refused.map((r) => [r.name, /use out-format (dotenv or json|json)$/.test(r.reason)]),
    ["app.token", "RANDOM", "UID", "WITH_NUL", "LONE_SURROGATE"].map((n) => [n, true]),
  );
  assert.deepEqual(await readWithShell("bash", shell.file, ["FINE"]), { FINE: entries[5]?.value });

  const dotenv = written("dotenv", entries);
  assert.deepEqual(
    dotenv.refused.map((r) => [r.name, /use out-format json$/.test(r.reason)]),
    [
      ["WITH_NUL", true],
      ["LONE_SURROGATE", true],
    ],
  );
  // A dotted name is a dotenv key for both parsers; bash's own names are just names there.
  const npm = readWithNpmDotenv(dotenv.file);
  for (const name of ["app.token", "RANDOM", "UID", "FINE"])
    assert.equal(npm[name], entries.find((e) => e.name === name)?.value, name);
  checkRefusals(
    "refused names and values",
    [...shell.refused, ...dotenv.refused],
    // A lone surrogate has no URL-encoded form for the canary to search: its canary stands in.
    entries.map((e) => (e.name === "LONE_SURROGATE" ? surrogateCanary : e.value)),
  );
});
