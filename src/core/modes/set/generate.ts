import { randomBytes } from "node:crypto";
import { ValidationError } from "../../errors.ts";
import { commentPattern } from "../../inputs/mapping.ts";
import { vaultKey, vaultNameProblem } from "../../inputs/names.ts";

/**
 * The URL-safe alphabet of generated values: exactly 64 characters, so one random byte's low
 * six bits pick a character with no modulo bias (256 is a multiple of 64), and a value can go
 * into a URL, a connection string, a shell variable or JSON without escaping.
 */
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Length of a generated value when a `generate` line gives none: 192 bits. */
export const defaultGeneratedLength = 32;

/**
 * Bounds of a generated value's length. 16 characters (96 bits) is the least we call a
 * credential. 4096 characters is far more entropy than anything needs, longer than most
 * systems accept as a password, and well inside Key Vault's 25k-byte value limit (each
 * character is one UTF-8 byte), so a typo like `32000` is caught here instead of by the vault.
 */
export const generatedLengthBounds = { min: 16, max: 4096 } as const;

/** A fresh random value of `length` characters from a CSPRNG, over the URL-safe alphabet. */
export function generateValue(length: number): string {
  if (!isAllowedLength(length)) {
    throw new ValidationError([
      `a generated value's length must be a whole number ${boundsText()}, not ${length}`,
    ]);
  }
  const bytes = randomBytes(length);
  let value = "";
  for (const byte of bytes) value += alphabet[byte & 63];
  return value;
}

export interface GenerateEntry {
  vaultName: string;
  length: number;
}

/**
 * Parses the `generate` input: `vault-name` or `vault-name: LENGTH` lines; `#` at a line's start
 * or after whitespace starts a comment (inside a name it stays, and the name is refused: `a#b`
 * must not generate `a`), blank lines are ignored. Every problem is returned,
 * each naming its line, so the step can report them all before any request.
 */
export function parseGenerateLines(
  text: string,
  input = "generate",
): { entries: GenerateEntry[]; problems: string[] } {
  const entries: GenerateEntry[] = [];
  const problems: string[] = [];
  const firstLineOf = new Map<string, number>();
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(commentPattern, "").trim();
    if (line === "") return;
    const colon = line.indexOf(":");
    const vaultName = (colon === -1 ? line : line.slice(0, colon)).trim();
    const lengthText = colon === -1 ? undefined : line.slice(colon + 1).trim();
    const where = `${input} line ${lineNumber}`;
    let ok = true;
    const nameProblem = vaultNameProblem(vaultName);
    if (nameProblem) {
      problems.push(`${where}: ${nameProblem}`);
      ok = false;
    }
    let length = defaultGeneratedLength;
    if (lengthText !== undefined) {
      length = /^\d+$/.test(lengthText) ? Number(lengthText) : Number.NaN;
      if (!isAllowedLength(length)) {
        problems.push(`${where}: length \`${lengthText}\` must be a whole number ${boundsText()}`);
        ok = false;
      }
    }
    const key = vaultKey(vaultName);
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      problems.push(
        `${where}: \`${vaultName}\` is already generated on line ${earlier} (vault names are compared without regard to case)`,
      );
      ok = false;
    } else if (vaultName !== "") {
      firstLineOf.set(key, lineNumber);
    }
    if (ok) entries.push({ vaultName, length });
  });
  return { entries, problems };
}

function isAllowedLength(length: number): boolean {
  return (
    Number.isInteger(length) &&
    length >= generatedLengthBounds.min &&
    length <= generatedLengthBounds.max
  );
}

function boundsText(): string {
  return `from ${generatedLengthBounds.min} to ${generatedLengthBounds.max}`;
}
