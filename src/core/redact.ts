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
  /**
   * Longest first, so a value is replaced whole before one of its lines could split it.
   * Sorted when next needed, not on each `add`: a step that reads thousands of values would
   * otherwise sort thousands of times (quadratic; seconds before the first request).
   */
  private ordered: string[] | undefined = [];
  /** Positions in `ordered` of the needles that begin with each `minLength`-character prefix. */
  private byPrefix = new Map<string, number[]>();
  /** Positions in `ordered` of the needles that share a character with `***`: tried on every text. */
  private starred: number[] = [];

  /** Learns a value (and its lines and encoded forms). */
  add(value: string): void {
    for (const piece of maskPieces(value)) {
      for (const form of formsOf(piece)) {
        if (form.length >= minLength && !this.needles.has(form)) {
          this.needles.add(form);
          this.ordered = undefined;
        }
      }
    }
  }

  /** `text` with every known value, in every form, replaced by `***`. */
  redact(text: string): string {
    const ordered = this.index();
    // Only the needles whose prefix is in `text` can be found in it, even after replacements:
    // a needle sharing no character with `***` that shows up after some were replaced lies
    // between two `***`, in a stretch that was one piece of `text`. Those are tried in the same
    // order as all of them would be: the result is the one of trying every needle, without a
    // scan of the text per needle (n report rows against n values cost n × 7n scans).
    const candidates = new Set(this.starred);
    for (let i = 0; i + minLength <= text.length; i += 1) {
      for (const n of this.byPrefix.get(text.slice(i, i + minLength)) ?? []) candidates.add(n);
    }
    let out = text;
    for (const n of [...candidates].sort((a, b) => a - b)) {
      const needle = ordered[n] ?? "";
      if (out.includes(needle)) out = out.split(needle).join(redacted);
    }
    return out;
  }

  private index(): string[] {
    if (this.ordered) return this.ordered;
    const ordered = [...this.needles].sort((a, b) => b.length - a.length);
    this.byPrefix = new Map();
    this.starred = [];
    ordered.forEach((needle, n) => {
      if ([...redacted].some((c) => needle.includes(c))) this.starred.push(n);
      const prefix = needle.slice(0, minLength);
      const list = this.byPrefix.get(prefix);
      if (list) list.push(n);
      else this.byPrefix.set(prefix, [n]);
    });
    this.ordered = ordered;
    return ordered;
  }
}
