import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "../../../../src/core/errors.ts";
import {
  defaultGeneratedLength,
  generateValue,
  generatedLengthBounds,
  parseGenerateLines,
} from "../../../../src/core/modes/set/generate.ts";

const urlSafe = /^[A-Za-z0-9_-]+$/;

test("generated values have the asked length, over the URL-safe alphabet", () => {
  for (const length of [
    generatedLengthBounds.min,
    defaultGeneratedLength,
    100,
    generatedLengthBounds.max,
  ]) {
    const value = generateValue(length);
    assert.equal(value.length, length);
    assert.equal(Buffer.byteLength(value, "utf8"), length, "one byte per character");
    assert.match(value, urlSafe);
  }
});

test("generated values do not repeat", () => {
  // 2,000 values of 96 bits: a repeat has odds of about 2^-75 for a working CSPRNG.
  const values = new Set(
    Array.from({ length: 2_000 }, () => generateValue(generatedLengthBounds.min)),
  );
  assert.equal(values.size, 2_000);
});

test("every character of the alphabet turns up about equally often", () => {
  // 256,000 characters: 4,000 expected per character, standard deviation about 63. The bounds
  // are 15 deviations away (odds of a false failure below 1e-40), yet a missing character, a
  // repeated one (8,000) or a half-used one (2,000) lands far outside them.
  const counts = new Map<string, number>();
  for (let i = 0; i < 1_000; i++) {
    for (const c of generateValue(256)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.equal(counts.size, 64);
  for (const [c, n] of counts) assert.ok(n > 3_000 && n < 5_000, `${c} appeared ${n} times`);
});

test("a length out of bounds or not whole is refused", () => {
  for (const length of [
    0,
    generatedLengthBounds.min - 1,
    generatedLengthBounds.max + 1,
    20.5,
    Number.NaN,
  ]) {
    assert.throws(() => generateValue(length), ValidationError, `length ${length}`);
  }
});

test("generate lines: names with and without lengths, comments, blank lines and CRLF", () => {
  const text = [
    "# rotated every release",
    "db-password",
    "",
    "api-token: 64   # for the payments API",
    "  Storage-Key :  16  ",
    "\tbig: 4096",
  ].join("\r\n");
  assert.deepEqual(parseGenerateLines(text), {
    entries: [
      { vaultName: "db-password", length: defaultGeneratedLength },
      { vaultName: "api-token", length: 64 },
      { vaultName: "Storage-Key", length: 16 },
      { vaultName: "big", length: 4096 },
    ],
    problems: [],
  });
  assert.deepEqual(parseGenerateLines("\n  # nothing\n\n"), { entries: [], problems: [] });
});

test("every bad generate line is reported, naming its line; good lines still parse", () => {
  const text = [
    "good-one",
    "bad_name",
    "short: 15",
    "long: 4097",
    "word: thirty",
    "decimal: 32.0",
    "empty:",
    "GOOD-ONE: 40",
    "negative: -20",
    "also-good: 20",
  ].join("\n");
  const { entries, problems } = parseGenerateLines(text);
  assert.deepEqual(entries, [
    { vaultName: "good-one", length: 32 },
    { vaultName: "also-good", length: 20 },
  ]);
  assert.deepEqual(problems, [
    "generate line 2: `bad_name` is not a valid vault secret name (1 to 127 letters, digits and hyphens)",
    "generate line 3: length `15` must be a whole number from 16 to 4096",
    "generate line 4: length `4097` must be a whole number from 16 to 4096",
    "generate line 5: length `thirty` must be a whole number from 16 to 4096",
    "generate line 6: length `32.0` must be a whole number from 16 to 4096",
    "generate line 7: length `` must be a whole number from 16 to 4096",
    "generate line 8: `GOOD-ONE` is already generated on line 1 (vault names are compared without regard to case)",
    "generate line 9: length `-20` must be a whole number from 16 to 4096",
  ]);
});

test("a vault name longer than 127 characters is refused", () => {
  const { entries, problems } = parseGenerateLines(`${"a".repeat(127)}\n${"b".repeat(128)}: 20`);
  assert.equal(entries.length, 1);
  assert.equal(problems.length, 1);
  assert.match(
    problems[0] ?? "",
    /^generate line 2: vault secret name b{40}… is 128 characters long/,
  );
});
