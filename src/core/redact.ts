/**
 * The one redactor: it knows every value the step read, generated or received, and replaces
 * each of them (whole, each line of a multi-line value, and the base64, base64url, JSON-escaped
 * and URL-encoded forms of each) in everything the core prints, outputs (other than a secret
 * output), summarises or fails with. The platform masks too; this does not rely on it.
 */

export const redacted = "***";

/**
 * Strings shorter than this are not searched for: replacing every `a` or `{}` in a log would
 * garble it while hiding nothing worth hiding (a 2-character secret is no secret).
 */
const minLength = 3;

/** Every form in which `text` could show up in output. */
function formsOf(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  return [
    text,
    JSON.stringify(text).slice(1, -1),
    encodeURIComponent(text),
    encodeURIComponent(text).replace(/%20/g, "+"),
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
  ];
}

/**
 * Each non-blank line of a value, then the whole value: what the platform is asked to mask.
 * Lines first, so that no line is ever printed before its own mask call (the whole value's
 * mask command carries every line of it).
 */
export function maskPieces(value: string): string[] {
  const pieces = new Set<string>();
  for (const line of value.split(/\r?\n|\r/)) {
    if (line.trim() !== "") pieces.add(line);
  }
  if (value !== "") pieces.add(value);
  return [...pieces];
}

export class Redactor {
  private readonly needles = new Set<string>();
  /** Longest first, so a value is replaced whole before one of its lines could split it. */
  private ordered: string[] = [];

  /** Learns a value (and its lines and encoded forms). */
  add(value: string): void {
    let grew = false;
    for (const piece of maskPieces(value)) {
      for (const form of formsOf(piece)) {
        if (form.length >= minLength && !this.needles.has(form)) {
          this.needles.add(form);
          grew = true;
        }
      }
    }
    if (grew) this.ordered = [...this.needles].sort((a, b) => b.length - a.length);
  }

  /** `text` with every known value, in every form, replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const needle of this.ordered) {
      if (out.includes(needle)) out = out.split(needle).join(redacted);
    }
    return out;
  }
}
