// A vault that echoes the value it was sent, in every encoding a known value could take (hex,
// base64 at another byte offset, `\u` JSON escapes, upper case, a prefix, form encoding), in
// the error messages it answers with: none of them reaches anything the step shows. The
// redactor's knowledge of these forms is src/core/redact.ts's; through the three bundles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unique } from "../helpers/emulator.ts";
import { canary } from "../helpers/leaks.ts";
import {
  allText,
  assertFailed,
  checkLeaks,
  hostileVaultPerFile,
  platforms,
  runStep,
} from "./steps.ts";

const started = hostileVaultPerFile();

/** The part of base64(`pad` + value) that only the value decides (whole groups of its bytes). */
function base64AtOffset(value: string, pad: string): string {
  const text = Buffer.from(pad + value, "utf8")
    .toString("base64")
    .replace(/=+$/, "");
  // The first group mixes `pad` with the value; the last may be partial.
  return text.slice(4, text.length - (text.length % 4));
}

/** Each encoding of `value` a hostile vault might echo, by name. */
function encodings(value: string): Record<string, string> {
  const hex = Buffer.from(value, "utf8").toString("hex");
  return {
    hex,
    "upper-hex": hex.toUpperCase(),
    "base64-offset-1": base64AtOffset(value, "a"),
    "base64-offset-2": base64AtOffset(value, "ab"),
    "unicode-escapes": [...value]
      .map((c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`)
      .join(""),
    "upper-case": value.toUpperCase(),
    prefix: value.slice(0, 24),
    form: new URLSearchParams({ v: value }).toString().slice(2),
  };
}

for (const platform of platforms) {
  void test(`${platform}: a written value echoed back in any encoding is shown in none`, async () => {
    const { emulator, vault } = started();
    const id = unique();
    const forms = Object.entries(encodings("")).map(([name]) => name);
    // One secret a form, each its own value: a message holds one echo, well under the cut.
    const secrets = forms.map((form) => {
      const value = `${canary()} it's "x" & (y)*~ ${canary()}`;
      const echo = encodings(value)[form] ?? "";
      const name = `${form}-${id}`;
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
      return { name, variable: name.replace(/-/g, "_").toUpperCase(), value, echo, form };
    });
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
    const text = allText(outcome);
    const shown = secrets.filter((s) => text.includes(s.echo)).map((s) => s.form);
    assert.deepEqual(shown, [], "encodings of a value that were shown");
    checkLeaks(
      "encodings",
      outcome,
      secrets.map((s) => s.value),
    );
  });
}
