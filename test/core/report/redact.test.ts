import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Redactor, maskPieces } from "../../../src/core/report/redact.ts";
import {
  escapeMarkdown,
  failureMessage,
  resultJson,
  rowLines,
  summaryMarkdown,
} from "../../../src/core/report/summary.ts";
import { findLeaks, secretValue } from "../../helpers/leaks.ts";

test("the redactor replaces a value, each of its lines, and its base64, JSON and URL forms", () => {
  const value = `${secretValue("first")}\r\n"quoted" & ${secretValue("second")}/+?\n`;
  const redactor = new Redactor();
  redactor.add(value);
  const lines = value.split(/\r?\n/);
  const text = [
    `raw ${value}`,
    `json ${JSON.stringify({ v: value })}`,
    `url ${encodeURIComponent(value)}`,
    `b64 ${Buffer.from(value).toString("base64")}`,
    `line ${lines[1]}`,
    `query ?q=${new URLSearchParams({ q: value }).toString()}`,
  ].join("\n");
  const out = redactor.redact(text);
  assert.deepEqual(findLeaks({ out }, [value], "none"), []);
  assert.match(out, /^raw \*\*\*/);
  assert.ok(out.includes('json {"v":"***"}'));
});

test("short strings are not redacted (they would garble everything), empty values are never masked", () => {
  const redactor = new Redactor();
  redactor.add("ab");
  redactor.add("");
  assert.equal(redactor.redact("a table of abc"), "a table of abc");
  assert.deepEqual(maskPieces(""), []);
  assert.deepEqual(maskPieces("one\n\n two \n"), ["one", " two ", "one\n\n two \n"]);
});

test("report: one line per secret, result JSON and summary without values, markdown escaped", () => {
  const rows = [
    {
      name: "db-password",
      source: "DB_PASSWORD",
      action: "updated" as const,
      version: "v2",
      id: "https://kv/secrets/db-password/v2",
    },
    {
      name: "x|y",
      source: "<script>",
      action: "failed" as const,
      error: "403 Forbidden | *bold* `code`\nnext",
    },
  ];
  assert.deepEqual(rowLines(rows), [
    "db-password  updated  version v2",
    "x|y          failed   403 Forbidden | *bold* `code` next",
  ]);
  assert.deepEqual(JSON.parse(resultJson(rows)), [
    {
      name: "db-password",
      source: "DB_PASSWORD",
      action: "updated",
      version: "v2",
      id: "https://kv/secrets/db-password/v2",
    },
    {
      name: "x|y",
      source: "<script>",
      action: "failed",
      version: null,
      id: null,
      error: "403 Forbidden | *bold* `code`\nnext",
    },
  ]);
  const summary = summaryMarkdown("aml-secrets set", rows);
  const [failedRow, tableRow] = summary.split("\n").filter((l) => l.startsWith("| x"));
  assert.equal(
    failedRow,
    "| x&#124;y | &lt;script&gt; | 403 Forbidden &#124; \\*bold\\* \\`code\\` next |",
  );
  assert.equal(tableRow, "| x&#124;y | &lt;script&gt; | ❌ failed |  | see Failed above |");
  assert.match(summary, /\*\*2 entries; 1 changed\*\*: ❌ 1 failed · ✅ 1 updated/);
  assert.equal(escapeMarkdown("[a](b)"), "\\[a\\]\\(b\\)");
  assert.equal(
    failureMessage(rows),
    "aml-secrets: 1 of 2 secrets failed:\n- x|y: 403 Forbidden | *bold* `code`\nnext",
  );
  assert.equal(failureMessage(rows.slice(0, 1)), undefined);
});

test("whatever the values and the text around them, no value learned survives redaction", () => {
  // Values without `*`: a replacement (`***`) cannot then make a value appear anew.
  const value = fc
    .string({ unit: "grapheme", minLength: 3, maxLength: 12 })
    .filter((v) => !v.includes("*"));
  fc.assert(
    fc.property(
      fc.uniqueArray(value, { minLength: 1, maxLength: 30 }),
      fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 6 })), { maxLength: 40 }),
      (values, pieces) => {
        const redactor = new Redactor();
        for (const v of values) redactor.add(v);
        const text = pieces.map(([i, filler]) => `${filler}${values[i % values.length]}`).join("");
        const out = redactor.redact(text);
        for (const v of values)
          assert.ok(!out.includes(v), `${JSON.stringify(v)} in ${JSON.stringify(out)}`);
      },
    ),
    { numRuns: 300 },
  );
});

/** `value` as other programs write it into logs and error bodies. */
function encodings(value: string): Record<string, string> {
  const bytes = Buffer.from(value, "utf8");
  const embedded = (before: string, after: string): string =>
    Buffer.from(`${before}${value}${after}`, "utf8").toString("base64");
  const everyUnitEscaped = [...value]
    .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join("");
  return {
    upper: `said ${value.toUpperCase()} back`,
    hex: `bytes ${bytes.toString("hex")}`,
    hexUpper: `BYTES ${bytes.toString("hex").toUpperCase()}`,
    base64Offset1: `blob ${embedded("x", "")}`,
    base64Offset2: `blob ${embedded("xy", "tail")}`,
    base64Url: `blob ${Buffer.from(`xy${value}`, "utf8").toString("base64url")}`,
    jsonUnicode: `{"m":"${everyUnitEscaped}"}`,
    jsonHtmlSafe: JSON.stringify({ m: value }).replace(/'/g, "\\u0027").replace(/</g, "\\u003C"),
    jsonTwice: JSON.stringify({ body: JSON.stringify({ m: value }) }),
    form: `body=${new URLSearchParams({ v: value }).toString()}&x=1`,
    percentUpper: encodeURIComponent(value).replace(/%[0-9a-f]{2}/g, (m) => m.toUpperCase()),
    percentAll: [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
    prefix: `cut: ${value.slice(0, 14)}`,
  };
}

test("the redactor finds a value in upper case, hex, base64 at every offset, any JSON escaping, form and percent encoding, and cut short", () => {
  const value = `it's <${secretValue("mixed")}> & é ü 😀 +/=`;
  const redactor = new Redactor();
  redactor.add(value);
  for (const [form, text] of Object.entries(encodings(value))) {
    const out = redactor.redact(text);
    assert.ok(out.includes("***"), `${form}: ${out}`);
    assert.deepEqual(findLeaks({ [form]: out }, [value], "none"), [], `${form}: ${out}`);
  }
  // Ordinary text around a value stays readable.
  assert.equal(redactor.redact(`before ${value} after`), "before *** after");
  assert.equal(redactor.redact("nothing secret here at all"), "nothing secret here at all");
});

test("the redactor never throws: a value with a lone surrogate is found as the vault sent it and as UTF-8 writes it", () => {
  const value = `lone-\udc00-${secretValue("surrogate")}-\ud800`;
  const redactor = new Redactor();
  redactor.add(value);
  const asWritten = Buffer.from(value, "utf8").toString("utf8");
  const texts = [
    value,
    JSON.stringify({ value }),
    asWritten,
    Buffer.from(value, "utf8").toString("base64"),
    `%E0%A4%A${value}%`,
  ];
  for (const text of texts) {
    const out = redactor.redact(text);
    assert.ok(!out.includes(value.slice(6, 30)), out);
  }
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (v, text) => {
      const r = new Redactor();
      r.add(v);
      r.redact(`${text}${v}${text}`);
    }),
    { numRuns: 300 },
  );
});

test("values learned one at a time between redactions (get mode) are all still found, in every form", () => {
  // The redactor sorts what it learns into runs as it goes; each value learned before any
  // redaction, between two, or twice must be found whole, cut short and encoded.
  const redactor = new Redactor();
  const values = Array.from({ length: 40 }, (_, i) => secretValue(`one-at-a-time-${i}`));
  for (const [i, value] of values.entries()) {
    redactor.add(value);
    if (i % 3 === 0) redactor.add(value);
    const seen = values.slice(0, i + 1);
    const text = seen
      .map((v, j) =>
        j % 2 === 0
          ? `row ${j}: ${v.toUpperCase()} ${Buffer.from(v).toString("base64")}`
          : `row ${j}: ${JSON.stringify(v)} ${v.slice(0, 14)}…`,
      )
      .join("\n");
    assert.deepEqual(findLeaks({ out: redactor.redact(text) }, seen, "none"), [], `after ${i + 1}`);
  }
});
