// The check that decides whether a server's text may be shown: a known value in any normal form
// or encoding makes a text unclean; ordinary service messages stay clean. Property-based over
// random values and random encodings of them (fast-check), plus the forms an adversarial pass
// got through the redactor's list of encodings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { CleanText, normalForm, visibleForm } from "../../../src/core/report/clean-text.ts";

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes: Buffer): string {
  let bits = 0;
  let acc = 0;
  let out = "";
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(acc << (5 - bits)) & 31];
  return out;
}

/** How many characters from the start of `v` hold 8 letters or digits. */
function eightLetters(v: string): number {
  let letters = 0;
  for (let i = 0; i < v.length; i++) {
    if (/[\p{L}\p{N}]/u.test(v[i] ?? "")) letters++;
    if (letters === 8) return i + 1;
  }
  return v.length;
}

/** Each way a server could echo `v`, by name. */
export const encodings: Record<string, (v: string) => string> = {
  plain: (v) => v,
  upper: (v) => v.toUpperCase(),
  lower: (v) => v.toLowerCase(),
  nfd: (v) => v.normalize("NFD"),
  nfkdFullwidth: (v) =>
    v.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0)),
  base64: (v) => Buffer.from(v).toString("base64"),
  base64url: (v) => Buffer.from(v).toString("base64url"),
  base64Offset1: (v) => Buffer.from(`x${v}`).toString("base64"),
  base64Offset2: (v) => Buffer.from(`xy${v}`).toString("base64"),
  base64Wrapped: (v) =>
    Buffer.from(`pad:${v}${v}`)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n"),
  // Cut short: two bytes of the value's end missing.
  base64Short: (v) => Buffer.from(`ab${v}`).toString("base64").replace(/=+$/, "").slice(0, -3),
  base32: (v) => base32(Buffer.from(v)),
  hex: (v) => Buffer.from(v).toString("hex"),
  hexUpper: (v) => Buffer.from(v).toString("hex").toUpperCase(),
  utf16leHex: (v) => Buffer.from(v, "utf16le").toString("hex"),
  utf16beBase64: (v) => Buffer.from(v, "utf16le").swap16().toString("base64"),
  htmlHex: (v) => [...v].map((c) => `&#x${(c.codePointAt(0) ?? 0).toString(16)};`).join(""),
  htmlDecimal: (v) => [...v].map((c) => `&#${c.codePointAt(0) ?? 0};`).join(""),
  xEscapes: (v) => [...Buffer.from(v)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""),
  uEscapes: (v) =>
    [...v].map((c) => `\\u${(c.charCodeAt(0) ?? 0).toString(16).padStart(4, "0")}`).join(""),
  uBraces: (v) => [...v].map((c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`).join(""),
  octal: (v) => [...Buffer.from(v)].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join(""),
  percent: (v) => encodeURIComponent(v),
  percentAll: (v) => [...Buffer.from(v)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
  percentTwice: (v) => encodeURIComponent(encodeURIComponent(v)),
  quotedPrintable: (v) =>
    [...Buffer.from(v)]
      .map((b) => `=${b.toString(16).toUpperCase().padStart(2, "0")}`)
      .join("")
      .replace(/(.{72})/g, "$1=\r\n"),
  reversed: (v) => [...v].reverse().join(""),
  zeroWidth: (v) => [...v].join("\u200b"),
  twoLines: (v) =>
    `${v.slice(0, Math.ceil(v.length / 2))}\n    ${v.slice(Math.ceil(v.length / 2))}`,
  // The shortest end (or start) of the value that holds 8 letters or digits: a run of `gram`.
  suffix: (v) =>
    [...v]
      .reverse()
      .join("")
      .slice(0, eightLetters([...v].reverse().join("")))
      .split("")
      .reverse()
      .join(""),
  prefix: (v) => v.slice(0, eightLetters(v)),
  json: (v) => JSON.stringify(JSON.stringify(v)),
};

/** A message as Key Vault writes a 403: long, and naming the caller, the vault and the secret. */
const forbidden = `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=0d8f3b1c-1111-2222-3333-444455556666;oid=8f3b1c0d-1111-2222-3333-444455556666;iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-00000000cafe/resourcegroups/rg-app/providers/microsoft.keyvault/vaults/kv-app/secrets/db-password'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: kv-app;location=eastus`;

/** Random values: letters, digits and symbols, some non-ASCII, 10 to 40 characters. */
const values = fc
  .string({
    unit: fc.constantFrom(
      ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-/=?@_~ ßéÅøñ".split(
        "",
      ),
    ),
    minLength: 14,
    maxLength: 40,
  })
  .filter((v) => (v.match(/[\p{L}\p{N}]/gu) ?? []).length >= 12);

for (const [name, encode] of Object.entries(encodings)) {
  void test(`a value echoed as ${name}, anywhere in a message, makes it unclean`, () => {
    fc.assert(
      fc.property(values, fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (v, a, b) => {
        const clean = new CleanText();
        clean.add(v);
        return !clean.isClean(`${a}${encode(v)}${b}`);
      }),
      { numRuns: 60 },
    );
  });
}

void test("Unicode case mappings that change length or letter meet in the normal form", () => {
  const clean = new CleanText();
  clean.add("Straße-ſecret-ς-İstanbul-ıi-42");
  for (const echo of [
    "STRASSE-SECRET-Σ-İSTANBUL-II-42",
    "strasse secret σ i̇stanbul ii 42",
    "Straße-ſecret-ς-İstanbul-ıi-42".normalize("NFD"),
  ])
    assert.equal(clean.isClean(`the value ${echo} is bad`), false, echo);
});

void test("a short value is found whole, a value of symbols in its visible form", () => {
  const clean = new CleanText();
  clean.add("pin4721");
  clean.add("!@#$%^&*()");
  assert.equal(clean.isClean("bad: PIN-4721"), false);
  assert.equal(clean.isClean("bad: !@#$ %^&*()"), false);
  assert.equal(clean.isClean("bad: pin472"), true);
});

void test("an ordinary 403 is clean against random values, and against 10,000", () => {
  const clean = new CleanText();
  fc.assert(
    fc.property(values, (v) => {
      clean.add(v);
      return true;
    }),
    { numRuns: 200 },
  );
  for (let i = 0; i < 10_000; i++)
    clean.add(`${i}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`);
  assert.equal(clean.isClean(forbidden), true);
  // Judged again once the index is built: it stays clean (tests assert behaviour, not time).
  for (let i = 0; i < 10; i++) assert.equal(clean.isClean(`${forbidden} ${i}`), true);
});

void test("a named HTML entity it cannot decode makes a text unprovable", () => {
  const clean = new CleanText();
  clean.add("caf\u00e9-value-12345");
  assert.equal(clean.isClean("caf&eacute;-value"), false);
  assert.equal(clean.isClean("a &amp; b"), true);
});

void test("with no value known every text is clean", () => {
  assert.equal(new CleanText().isClean("anything at all"), true);
});

void test("the index is built only when a text is first judged, then only for values learned since", () => {
  const clean = new CleanText();
  for (let i = 0; i < 1_000; i++) clean.add(`${i}-${Math.random().toString(36).slice(2)}xyz`);
  assert.equal(clean.built, false, "learning values builds nothing");
  assert.equal(clean.isClean("no value here"), true);
  assert.equal(clean.built, true);
  clean.add("a-later-value-q7w8e9r0");
  assert.equal(clean.built, false);
  assert.equal(clean.isClean("echo: A LATER VALUE Q7W8E9R0"), false);
  assert.equal(clean.isClean("no value here"), true);
});

void test("10,000 values of 32 characters are indexed in a few megabytes", () => {
  // A collection before each reading, so that what is measured is what the index keeps.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const values = Array.from({ length: 10_000 }, (_, i) =>
    `${i}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.slice(
      0,
      32,
    ),
  );
  const used = (): number => {
    gc();
    gc();
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  const before = used();
  const clean = new CleanText();
  for (const v of values) clean.add(v);
  assert.equal(clean.isClean(forbidden), true);
  const kept = used() - before;
  // 25 runs a value, forwards and backwards, 8 bytes each: 4 MB in a sorted typed array (a Set
  // of the same keys kept 18 MB).
  assert.ok(kept < 10_000_000, `${kept} bytes kept`);
});

// The forms by the Unicode classes, as clean-text.ts takes them for text that is not ASCII.
const fold = (t: string): string =>
  t.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
const unicodeNormal = (t: string): string => fold(t).replace(/[^\p{L}\p{N}]+/gu, "");
const unicodeVisible = (t: string): string => fold(t).replace(/[\p{Z}\p{C}\p{M}\s]+/gu, "");

test("ASCII text takes the same normal and visible forms without the Unicode classes", () => {
  // Each form maps character by character for ASCII, so every character checked is every text.
  for (let code = 0; code < 128; code += 1) {
    const c = `a${String.fromCharCode(code)}B`;
    assert.equal(normalForm(c), unicodeNormal(c), `U+${code.toString(16)}`);
    assert.equal(visibleForm(c), unicodeVisible(c), `U+${code.toString(16)}`);
  }
  fc.assert(
    fc.property(fc.string({ unit: "binary-ascii", maxLength: 64 }), (t) => {
      assert.equal(normalForm(t), unicodeNormal(t));
      assert.equal(visibleForm(t), unicodeVisible(t));
    }),
  );
  // Not ASCII: the Unicode path (a fullwidth letter, a zero-width space).
  assert.equal(normalForm("Ａ\u200bb"), "ab");
  assert.equal(visibleForm("Ａ\u200bb"), "ab");
});
