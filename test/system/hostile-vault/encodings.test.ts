// A vault that echoes the value it was sent, in every encoding a known value could take (hex,
// base64 at another byte offset, `\u` JSON escapes, upper case, a prefix, form encoding), in
// the error messages it answers with: none of them reaches anything the step shows. The
// redactor's knowledge of these forms is src/core/redact.ts's; through the three bundles.
import assert from "node:assert/strict";
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
} from "./steps.ts";

const started = hostileVaultPerFile();

/** How a vault could echo a value, and the part of that echo that must not be shown. */
interface Echo {
  echo: string;
  shown: string;
}

const whole = (echo: string): Echo => ({ echo, shown: echo });

/**
 * base64 of `pad` + value, as a server encodes a longer text that holds the value; what must
 * not show is the part that only the value decides (its whole groups).
 */
function base64AtOffset(value: string, pad: string): Echo {
  const echo = Buffer.from(pad + value, "utf8").toString("base64");
  const text = echo.replace(/=+$/, "");
  return { echo, shown: text.slice(4, text.length - (text.length % 4)) };
}

/** Each encoding of `value` a hostile vault might echo, by name. */
function encodings(value: string): Record<string, Echo> {
  const hex = Buffer.from(value, "utf8").toString("hex");
  const escaped = [...value]
    .map((c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`)
    .join("");
  return {
    hex: whole(hex),
    "upper-hex": whole(hex.toUpperCase()),
    "base64-offset-1": base64AtOffset(value, "a"),
    "base64-offset-2": base64AtOffset(value, "ab"),
    "unicode-escapes": whole(escaped),
    "upper-case": whole(value.toUpperCase()),
    prefix: whole(value.slice(0, 24)),
    form: whole(new URLSearchParams({ v: value }).toString().slice(2)),
  };
}

for (const platform of platforms) {
  void test(`${platform}: a written value echoed back in any encoding is shown in none`, async () => {
    const { emulator, vault } = started();
    const id = unique();
    // One secret a form, each its own value: a message holds one echo, well under the cut.
    const secrets = Object.keys(encodings("")).map((form) => {
      const value = `${canary()} it's "x" & (y)*~ ${canary()}`;
      const { echo, shown } = encodings(value)[form] ?? whole("");
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
      return { name, variable: name.replace(/-/g, "_").toUpperCase(), value, shown, form };
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
    // The mask commands carry the values themselves (and so their prefixes): the one place.
    const dialect = outcome.platform === "cli" ? "none" : outcome.platform;
    const text = withoutMaskCommands(allText(outcome), dialect);
    const shown = secrets.filter((s) => text.includes(s.shown)).map((s) => s.form);
    assert.deepEqual(shown, [], "encodings of a value that were shown");
    checkLeaks(
      "encodings",
      outcome,
      secrets.map((s) => s.value),
    );
  });
}
