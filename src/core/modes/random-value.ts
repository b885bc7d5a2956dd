/**
 * Random values from a CSPRNG: set mode's `generate` lines and rotate mode's `generate`
 * provider write the same kind of value.
 */
import { randomBytes } from "node:crypto";
import { ValidationError } from "../errors.ts";

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

export function isAllowedLength(length: number): boolean {
  return (
    Number.isInteger(length) &&
    length >= generatedLengthBounds.min &&
    length <= generatedLengthBounds.max
  );
}

export function boundsText(): string {
  return `from ${generatedLengthBounds.min} to ${generatedLengthBounds.max}`;
}
