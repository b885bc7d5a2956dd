/**
 * Values built to break a CI log: line breaks, the escapes the platforms' command encodings use,
 * workflow and logging commands, shell and expression syntax, binary-looking text, emoji with
 * combining characters, and one value of exactly Key Vault's size limit. Each carries canaries
 * for the leak checks, placed so that every line of 8 characters or more holds one (a line
 * without one, like a bare `##vso[task.complete result=Succeeded;]`, would be found by the
 * canary in the task's own honest output).
 */
import { randomBytes, randomInt } from "node:crypto";
import { limits } from "../../../src/core/inputs/limits.ts";
import type { Emulator } from "../../../src/emulator/index.ts";
import { canary } from "../../helpers/leaks.ts";

/**
 * Line breaks are left out of the noise (moved one code point on), so that the noise is one
 * line: values of their own cover `\r` and `\n`, and a random line of noise could be blank, which
 * nothing masks.
 */
const noBreak = (cp: number): number => (cp === 0 || cp === 0x0a || cp === 0x0d ? cp + 1 : cp);

/** Text from random bytes, each taken as the code point of that number (latin1, C0, C1). */
function latin1Noise(length: number): string {
  return [...randomBytes(length)].map((b) => String.fromCodePoint(noBreak(b))).join("");
}

/** Random code points over all of Unicode except NUL and the surrogates (not valid UTF-8 alone). */
function unicodeNoise(length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 1) {
    let cp = randomInt(1, 0x10ffff + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
    text += String.fromCodePoint(noBreak(cp));
  }
  return text;
}

/**
 * A value of exactly `bytes` UTF-8 bytes made of 1-, 2-, 3- and 4-byte characters and command
 * fragments, so that a limit counted in characters (or UTF-16 units) would be off.
 */
export function valueOfBytes(bytes: number): string {
  let value = `max-${canary()};]%0A::x`;
  const pieces = ["€", "é", "🔑", "%", "x", "\u0301"];
  for (let i = 0; Buffer.byteLength(value, "utf8") < bytes - 4; i += 1) {
    value += pieces[i % pieces.length];
  }
  while (Buffer.byteLength(value, "utf8") < bytes) value += "z";
  return value;
}

/**
 * The hostile values, by a label that is also a valid name on both sides (`lower-kebab`), so
 * one label names the vault secret and, upper-snaked, the variable.
 */
export function hostileValues(): Record<string, string> {
  const c = canary;
  return {
    cr: `cr-${c()}\r::error::cr-injected-${c()}\r##vso[task.complete result=Succeeded;]${c()}`,
    lf: `lf-${c()}\n::warning::lf-injected-${c()}\n##vso[task.setvariable variable=LF_EVIL]${c()}\n`,
    crlf: `crlf-${c()}\r\n::set-output name=evil::crlf-${c()}\r\n##[error]crlf-${c()}\r\n`,
    percent: `100% of ${c()} is 50%% %`,
    "pct-0a": `a%0A::error::encoded-newline-${c()}%0D##vso[task.complete]%0a`,
    "pct-25": `%25%250A%AZP25%3B%5D%2C%3A-${c()}`,
    "add-mask": `::add-mask::${c()}`,
    "set-output": `::set-output name=x::y-${c()}`,
    error: `::error::${c()}`,
    "stop-commands": `::stop-commands::${c()}`,
    setvariable: `##vso[task.setvariable variable=X]evil-${c()}`,
    "setvariable-lower": `text before ##VSO[task.setvariable variable=X;issecret=false]${c()}`,
    complete: `##vso[task.complete result=Succeeded;]${c()}`,
    bracket: `]]]-${c()}-]`,
    semicolon: `;;key=value;${c()};`,
    quotes: `"'\\"\\'${c()}'"\\`,
    backtick: `\`whoami\` $(whoami) ${c()}`,
    "dollar-paren": `$(VAR) $(System.AccessToken) ${c()}`,
    expression: `\${{ secrets.GITHUB_TOKEN }} \${{ github.token }}-${c()}`,
    "latin1-noise": `${c()}${latin1Noise(400)}`,
    "unicode-noise": `${c()}${unicodeNoise(200)}`,
    emoji: `🔑👩‍👩‍👧‍👦 e\u0301 Z\u0336\u0335 ${c()} 🏳️‍🌈 \u202Eevil\u202C`,
    "line-separators": `ls-${c()}\u2028ps-${c()}\u2029nel-${c()}\u0085`,
    whitespace: `  leading, trailing ${c()}  \t`,
    "max-bytes": valueOfBytes(limits.valueBytes),
  };
}

/** A value's label as a pipeline variable / output name: `pct-0a` -> `PCT_0A`. */
export function variableOf(label: string, suffix: string): string {
  return `${label}-${suffix}`.replace(/-/g, "_").toUpperCase();
}

/** A value's label as a vault secret name. */
export function vaultNameOf(label: string, suffix: string): string {
  return `${label}-${suffix}`;
}

/**
 * Get mode's scenario: every hostile value seeded in the vault under its own name, and the
 * mapping that reads them back, every other line naming its output and the rest derived.
 */
export function seedForGet(
  emu: Emulator,
  suffix: string,
): { values: Record<string, string>; labels: string[]; secrets: string } {
  const values = hostileValues();
  const labels = Object.keys(values);
  for (const label of labels) emu.seed(vaultNameOf(label, suffix), values[label] ?? "");
  const secrets = labels
    .map((l, i) =>
      i % 2 === 0 ? `${vaultNameOf(l, suffix)}: ${variableOf(l, suffix)}` : vaultNameOf(l, suffix),
    )
    .join("\n");
  return { values, labels, secrets };
}
