// A vault that echoes the value it was sent in its 4xx error message, in each form the
// adversarial pass of issue 18.1 used against the redactor's list of encodings (Unicode case
// mappings, NFD, base64 wrapped or cut short, base32, UTF-16 as hex or base64, HTML entities,
// byte and code point escapes, percent-encoding twice, quoted-printable, reversed, a zero-width
// character inside, over two lines, a suffix, a piece under 12 characters): the message is
// withheld wherever the step shows text (log, step summary, `result`, the Azure Pipelines
// summary attachment) and the product's sentence for the code stands in its place. A clean
// message, in the same run, is shown whole. Through the three bundles.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { unique } from "../../helpers/emulator.ts";
import { canary, withoutMaskCommands } from "../../helpers/leaks.ts";
import {
  allText,
  assertFailed,
  checkLeaks,
  hostileVaultPerFile,
  platforms,
  runStep,
} from "../hostile-vault/steps.ts";

const started = hostileVaultPerFile();

/** Four random letters and digits, so that every run of 8 in a value is its own. */
const random = (): string => randomBytes(3).toString("base64").replace(/[+/]/g, "q");

/**
 * A value with each letter whose case mapping changes its length or its letter (`ß`, `ſ`, final
 * `ς`, `İ`, `ı`) and one that NFD takes apart (`é`), between random runs, and a canary.
 */
function value(): string {
  return `${random()}ß${random()}ſ${random()}ς ${random()}İ${random()}ı${random()}é-${canary()}`;
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes: Buffer): string {
  let bits = 0;
  let acc = 0;
  let out = "";
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + base32Alphabet[(acc << (5 - bits)) & 31] : out;
}

const bytes = (v: string): number[] => [...Buffer.from(v, "utf8")];
const hex2 = (b: number): string => b.toString(16).padStart(2, "0");

/** Each form of `v` the adversarial pass echoed, by name. */
const forms: Record<string, (v: string) => string> = {
  "upper case (ß→SS, ſ→S, ς→Σ, ı→I)": (v) => v.toUpperCase(),
  "lower case (İ→i̇)": (v) => v.toLowerCase(),
  NFD: (v) => v.normalize("NFD"),
  "base64 wrapped at 76": (v) =>
    Buffer.from(`{"value":"${v}","again":"${v}"}`)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n"),
  "base64 cut short": (v) =>
    Buffer.from(`ab${v}`).toString("base64").replace(/=+$/, "").slice(0, -3),
  base32: (v) => base32(Buffer.from(v)),
  "UTF-16 as hex": (v) => Buffer.from(v, "utf16le").toString("hex"),
  "UTF-16 as base64": (v) => Buffer.from(v, "utf16le").swap16().toString("base64"),
  "HTML entities": (v) => [...v].map((c) => `&#x${(c.codePointAt(0) ?? 0).toString(16)};`).join(""),
  "\\xNN escapes": (v) =>
    bytes(v)
      .map((b) => `\\x${hex2(b)}`)
      .join(""),
  "\\u{…} escapes": (v) =>
    [...v].map((c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`).join(""),
  "octal escapes": (v) =>
    bytes(v)
      .map((b) => `\\${b.toString(8).padStart(3, "0")}`)
      .join(""),
  "percent-encoded twice": (v) => encodeURIComponent(encodeURIComponent(v)),
  "quoted-printable": (v) =>
    bytes(v)
      .map((b) => `=${hex2(b).toUpperCase()}`)
      .join("")
      .replace(/(.{72})/g, "$1=\r\n"),
  reversed: (v) => [...v].reverse().join(""),
  "a zero-width space inside": (v) => [...v].join("\u200b"),
  "over two lines": (v) => `${v.slice(0, 14)}\n    ${v.slice(14)}`,
  "a suffix only": (v) => v.slice(-12),
  "a piece under 12 characters": (v) => v.slice(-10),
};

/** Key Vault's 403 as it words an access-policy refusal: the caller's ids and the vault. */
const cleanMessage = (oid: string): string =>
  `The user, group or application 'appid=0d8f3b1c-1111-2222-3333-444455556666;oid=${oid};iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/' does not have secrets set permission on key vault 'kv-app;location=eastus'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`;

/** What stands in place of a withheld message (report/reporter.ts). */
const withheld = "the service's message was withheld because it may contain a secret value";
/** The product's sentence for BadParameter (vault/error-codes.ts). */
const badParameter = /the vault refused what was sent \(a name, a tag, a content type or a date\)/;

for (const platform of platforms) {
  void test(`${platform}: a value echoed in any form is withheld everywhere, with the code's sentence; a clean message is shown whole`, async () => {
    const { emulator, vault } = started();
    const id = unique();
    const echoed = Object.entries(forms).map(([form, encode], i) => {
      const v = value();
      const echo = encode(v);
      const name = `echo${i}-${id}`;
      vault.secret(
        name,
        { kind: "value", value: "unused" },
        {
          kind: "error",
          status: 400,
          code: "BadParameter",
          message: `the value ${echo} is not allowed`,
        },
      );
      return { name, variable: name.replace(/-/g, "_").toUpperCase(), value: v, echo, form };
    });
    const oid = `8f3b1c0d-${randomBytes(2).toString("hex")}-2222-3333-444455556666`;
    const clean = {
      name: `clean-${id}`,
      variable: `CLEAN_${id.toUpperCase()}`,
      value: `${random()}${random()}-${canary()}`,
    };
    vault.secret(
      clean.name,
      { kind: "value", value: "unused" },
      { kind: "error", status: 403, code: "Forbidden", message: cleanMessage(oid) },
    );
    const secrets = [...echoed, clean];
    const outcome = await runStep(platform, emulator, {
      mode: "set",
      secrets: secrets.map((s) => `${s.name}: ${s.variable}`).join("\n"),
      variables: Object.fromEntries(secrets.map((s) => [s.variable, s.value])),
      vault: { url: vault.url },
    });
    assertFailed(outcome);
    assert.deepEqual(
      outcome.rows.map((r) => r.action),
      secrets.map(() => "failed"),
      outcome.describe,
    );
    checkLeaks(
      "server text echoes",
      outcome,
      secrets.map((s) => s.value),
    );
    // No echo, in the form it was sent, anywhere the step shows text (mask commands aside).
    const dialect = outcome.platform === "cli" ? "none" : outcome.platform;
    const text = withoutMaskCommands(allText(outcome), dialect);
    assert.deepEqual(
      echoed
        .filter((s) => text.includes(s.echo) || text.includes(s.echo.replace(/\r/g, " ")))
        .map((s) => s.form),
      [],
      "forms of a value that were shown",
    );
    // Each echo's row (the `result`) and its line of the failure say it was withheld, and why
    // the vault refused, in the product's words.
    const failureLines = outcome.failure.split("\n");
    for (const s of echoed) {
      const row = outcome.rows.find((r) => r.name === s.name);
      for (const [where, said] of [
        ["result", row?.error ?? ""],
        ["failure", failureLines.find((l) => l.includes(s.name)) ?? ""],
      ] as const) {
        assert.ok(said.includes(withheld), `${s.form}: ${where} says it withheld: ${said}`);
        assert.match(said, badParameter, `${s.form}: ${where}`);
      }
    }
    // The clean 403 is shown whole, the caller's object id and the vault with it.
    const row = outcome.rows.find((r) => r.name === clean.name);
    assert.ok(row?.error?.includes(cleanMessage(oid)), `shown whole in result: ${row?.error}`);
    assert.ok(outcome.failure.includes(cleanMessage(oid)), `shown whole:\n${outcome.failure}`);
    if (outcome.platform !== "cli") {
      assert.ok(outcome.texts.summary?.includes(oid), "the summary names the object id");
      assert.match(outcome.texts.summary ?? "", /kv-app;location=eastus/);
    }
  });
}
