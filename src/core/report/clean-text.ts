/**
 * Whether a server's text is provably free of every value the step knows: the check that
 * decides whether a service's message (Key Vault's, ARM's, a token endpoint's, a proxy's) may be
 * shown at all. It does not look for encodings of each value (a list of encodings is never
 * complete); it brings the text and the values to one normal form and asks whether they share a
 * run of `gram` characters, in the text as written and in everything the text decodes to.
 *
 * The normal form: NFKC (fullwidth, ligatures, NFD and NFC all meet), full case folding
 * (upper then lower: `ß`→`ss`, `ſ`→`s`, `ς`→`σ`, `ı`→`i`, `İ`→`i`), then only letters and
 * digits kept (a zero-width character, a line break, a quote or a `-` inside a value, the
 * combining dot of `İ`, a quoted-printable soft break, the NUL bytes of UTF-16: all gone).
 *
 * What the text decodes to, each brought to the normal form too: escapes decoded until nothing
 * changes (percent, repeatedly; `\xNN`, `\uNNNN`, `\u{…}`, octal, JSON; HTML entities;
 * quoted-printable `=XX`), their bytes read as UTF-8, Latin-1, UTF-16LE and UTF-16BE; and the
 * letters of base64 (either alphabet, any wrapping, cut short), base32 (and base32hex) and hex
 * at every alignment, read as bytes the same four ways, and those unescaped once more. A value
 * written backwards is caught by indexing each value backwards too. A named HTML entity this
 * does not know (`&eacute;`) is not decoded: the text is then not provably clean.
 *
 * The values are indexed once, when a server's text is first judged (a sorted array of the keys
 * of their runs in normal form): for 10,000 values of 32 characters about 4 MB.
 */

/**
 * The run length. 8: generated values are 16 characters or more and random, and at 10,000
 * values of 32 letters and digits a 600-character message (and its ~500 decoded views) shares
 * a run of 8 with one of them by chance about once in ten thousand (36^8 ≈ 2.8·10^12 runs),
 * where a run of 6 would withhold a message in ten for nothing. What a shown message may still
 * hold of a value is a piece of at most 7 letters and digits in a row. A value whose normal form
 * is shorter than 8 (a short user value) is indexed whole: a text holding it whole is withheld.
 */
export const gram = 8;

/**
 * Values with fewer letters and digits than this are not indexed by the letters and digits
 * alone (too common to withhold every message holding them, and no secret); a value made mostly
 * of symbols is indexed in a second form that keeps them (see `visible`).
 */
const minimum = 4;

/** NFKC, then full case folding. */
function fold(text: string): string {
  return text.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/**
 * ASCII text (most values and messages) takes the forms below without the Unicode classes: the
 * first use of `\p{…}` compiles ICU's sets, some 16 M instructions of a one-secret run's start.
 * For ASCII, NFKC changes nothing, folding is lower-casing, letters and digits are `a-z0-9`, and
 * what cannot be seen is the controls and the space (clean-text.test.ts checks every character).
 */
const ascii = /^[\x00-\x7f]*$/;

/** The normal form: folded, letters and digits only. */
export function normalForm(text: string): string {
  if (ascii.test(text)) return text.toLowerCase().replace(/[^a-z0-9]+/g, "");
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, "");
}

/**
 * The second form, for values with few letters and digits: folded, with only what cannot be
 * seen (white space, controls, format characters such as U+200B, combining marks) removed.
 */
export function visibleForm(text: string): string {
  if (ascii.test(text)) return text.toLowerCase().replace(/[\x00-\x20\x7f]+/g, "");
  return fold(text).replace(/[\p{Z}\p{C}\p{M}\s]+/gu, "");
}

/** Two hashes modulo primes below 2^26, joined: a run's key, exact in a double (2^52). */
const m0 = 67_108_859;
const m1 = 67_108_837;
const b0 = 131;
const b1 = 137;

/** The key of every run of `length` in `text` (UTF-16 units), by a rolling hash. */
function runKeys(text: string, length: number, each: (key: number) => boolean | void): boolean {
  if (text.length < length) return false;
  let high0 = 1;
  let high1 = 1;
  for (let i = 1; i < length; i++) {
    high0 = (high0 * b0) % m0;
    high1 = (high1 * b1) % m1;
  }
  let h0 = 0;
  let h1 = 0;
  for (let i = 0; i < text.length; i++) {
    if (i >= length) {
      const out = text.charCodeAt(i - length);
      h0 = (h0 - ((out * high0) % m0) + m0) % m0;
      h1 = (h1 - ((out * high1) % m1) + m1) % m1;
    }
    const unit = text.charCodeAt(i);
    h0 = (h0 * b0 + unit) % m0;
    h1 = (h1 * b1 + unit) % m1;
    if (i + 1 >= length && each(h0 * 2 ** 26 + h1) === true) return true;
  }
  return false;
}

/** Whether the sorted `keys` hold `key` (binary search). */
function has(keys: Float64Array, key: number): boolean {
  let low = 0;
  let high = keys.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = keys[middle] ?? 0;
    if (found === key) return true;
    if (found < key) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * One index: the key of every run of `gram` (or of a short value whole), forwards and
 * backwards, in a sorted Float64Array searched by halves. Keys, not strings, and not a Set: a
 * Set of numbers above 2^31 keeps each as an object of its own (about 18 MB for 10,000 values of
 * 32 characters); the array is 8 bytes a run (4 MB). Two runs that share a key (about one chance
 * in 2^52 per run checked) withhold a message for nothing; they never show one.
 */
class Runs {
  private keys = new Float64Array(0);
  /** Lengths of the values shorter than `gram`, indexed whole. */
  private readonly shortLengths = new Set<number>();

  get empty(): boolean {
    return this.keys.length === 0;
  }

  /** Indexes these forms along with what the index holds already (one sort for all of them). */
  addAll(forms: readonly string[]): void {
    if (forms.length === 0) return;
    let size = this.keys.length;
    for (const form of forms) size += 2 * Math.max(1, form.length - gram + 1);
    const keys = new Float64Array(size);
    keys.set(this.keys);
    let next = this.keys.length;
    for (const form of forms) {
      for (const text of [form, [...form].reverse().join("")]) {
        const length = Math.min(gram, text.length);
        if (length < gram) this.shortLengths.add(length);
        runKeys(text, length, (key) => {
          keys[next++] = key;
        });
      }
    }
    this.keys = keys.subarray(0, next).sort();
  }

  /** Whether `form` holds an indexed run. */
  holds(form: string): boolean {
    if (runKeys(form, gram, (key) => has(this.keys, key))) return true;
    for (const length of this.shortLengths)
      if (runKeys(form, length, (key) => has(this.keys, key))) return true;
    return false;
  }
}

/**
 * The values are only kept (the strings the redactor holds anyway) until a server's text is
 * first judged: a run in which nothing fails never builds the index, and one that fails builds
 * it once, then adds only the values learned since.
 */
export class CleanText {
  private readonly letters = new Runs();
  private readonly visible = new Runs();
  private pending: string[] = [];

  /** Learns a value. */
  add(value: string): void {
    this.pending.push(value);
  }

  /** Indexes the values learned since the last text was judged. */
  private build(): void {
    if (this.pending.length === 0) return;
    const letters: string[] = [];
    const visible: string[] = [];
    for (const value of this.pending) {
      const form = normalForm(value);
      if (form.length >= minimum) letters.push(form);
      // Few letters and digits: the symbols are most of the value.
      if (form.length < gram) {
        const shown = visibleForm(value);
        if (shown.length >= minimum && shown.length > form.length) visible.push(shown);
      }
    }
    this.pending = [];
    this.letters.addAll(letters);
    this.visible.addAll(visible);
  }

  /** True only when `text`, and everything it decodes to, shares no run with a known value. */
  isClean(text: string): boolean {
    this.build();
    if (this.letters.empty && this.visible.empty) return true;
    if (unknownEntity.test(text)) return false;
    for (const view of views(text)) {
      if (this.letters.holds(normalForm(view))) return false;
      if (!this.visible.empty && this.visible.holds(visibleForm(view))) return false;
    }
    return true;
  }

  /** Whether the index has been built for every value learned (for the tests of laziness). */
  get built(): boolean {
    return this.pending.length === 0;
  }
}

/** The named HTML entities decoded; any other named entity makes a text unprovable. */
const namedEntities: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};
const unknownEntity = /&(?!(?:amp|lt|gt|quot|apos|nbsp);)[a-z][a-z0-9]{1,31};/i;

type ByteReading = "utf8" | "latin1" | "utf16le" | "utf16be";
const readings: ByteReading[] = ["utf8", "latin1", "utf16le", "utf16be"];

function readBytes(bytes: number[] | Uint8Array, reading: ByteReading): string {
  const buffer = Buffer.from(bytes);
  if (reading !== "utf16be") return buffer.toString(reading);
  const swapped = Buffer.from(buffer.subarray(0, buffer.length - (buffer.length % 2)));
  return swapped.swap16().toString("utf16le");
}

/**
 * One pass of every escape: runs of byte escapes (`%XX`, `\xNN`, octal `\NNN`, `=XX`) become
 * bytes read as `reading`; `\uNNNN`, `\u{…}`, `&#…;` and JSON's one-letter escapes become
 * characters.
 */
const escape =
  /(?:%[0-9a-f]{2}|\\x[0-9a-f]{2}|\\[0-3][0-7]{2}|=[0-9a-f]{2})+|\\u\{([0-9a-f]{1,6})\}|\\u([0-9a-f]{4})|&#x([0-9a-f]{1,6});|&#([0-9]{1,7});|&([a-z]+);|\\([nrtbf"'\\/])|=\r?\n/gi;

function unescapeOnce(text: string, reading: ByteReading): string {
  return text.replace(
    escape,
    (
      all: string,
      brace?: string,
      u4?: string,
      hexRef?: string,
      decRef?: string,
      named?: string,
    ) => {
      const point = brace ?? u4 ?? hexRef;
      if (point !== undefined) return codePoint(parseInt(point, 16), all);
      if (decRef !== undefined) return codePoint(parseInt(decRef, 10), all);
      if (named !== undefined) return namedEntities[named.toLowerCase()] ?? all;
      if (all.startsWith("=\n") || all.startsWith("=\r")) return "";
      if (all.length === 2 && all.startsWith("\\")) return " ";
      return readBytes(byteEscapes(all), reading);
    },
  );
}

function codePoint(point: number, otherwise: string): string {
  return point <= 0x10ffff ? String.fromCodePoint(point) : otherwise;
}

function byteEscapes(run: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < run.length;) {
    if (run[i] === "%" || run[i] === "=") {
      bytes.push(parseInt(run.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (run[i + 1] === "x" || run[i + 1] === "X") {
      bytes.push(parseInt(run.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      bytes.push(parseInt(run.slice(i + 1, i + 4), 8));
      i += 4;
    }
  }
  return bytes;
}

/**
 * Escapes decoded round after round until nothing changes (percent-encoded twice, an escape of
 * an escape), each round's text a view of its own: a later round may read what an earlier one
 * made as an escape it never was (`=aa` after a decoded `%3D`).
 */
function unescapeRounds(text: string, reading: ByteReading): string[] {
  const rounds: string[] = [];
  let current = text;
  for (let round = 0; round < 6; round++) {
    const next = unescapeOnce(current, reading);
    if (next === current) break;
    rounds.push(next);
    current = next;
  }
  return rounds;
}

/** Bytes from a stream of `bits`-bit digits (base64 6, base32 5, hex 4), from `offset` on. */
function digitsToBytes(digits: number[], bits: number, offset: number): number[] {
  const bytes: number[] = [];
  let buffer = 0;
  let held = 0;
  for (let i = offset; i < digits.length; i++) {
    buffer = ((buffer << bits) | (digits[i] ?? 0)) & 0xffff;
    held += bits;
    if (held >= 8) {
      held -= 8;
      bytes.push((buffer >> held) & 0xff);
    }
  }
  return bytes;
}

/** An alphabet: the value of each character it has (others are skipped: wrapping, padding). */
function alphabet(chars: string, caseless: boolean, extra: Record<string, number> = {}) {
  const map = new Map<string, number>();
  [...chars].forEach((c, i) => {
    map.set(c, i);
    if (caseless) map.set(c.toLowerCase(), i);
  });
  for (const [c, v] of Object.entries(extra)) map.set(c, v);
  return map;
}

const binaryEncodings: { digits: Map<string, number>; bits: number; group: number }[] = [
  {
    // Standard and URL-safe alike.
    digits: alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", false, {
      "-": 62,
      _: 63,
    }),
    bits: 6,
    group: 4,
  },
  { digits: alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", true), bits: 5, group: 8 },
  { digits: alphabet("0123456789ABCDEFGHIJKLMNOPQRSTUV", true), bits: 5, group: 8 },
  { digits: alphabet("0123456789ABCDEF", true), bits: 4, group: 2 },
];

/** The bytes `text` holds in each binary-to-text encoding, at each alignment. */
function decodedBytes(text: string): number[][] {
  const out: number[][] = [];
  for (const { digits, bits, group } of binaryEncodings) {
    const stream: number[] = [];
    for (const c of text) {
      const digit = digits.get(c);
      if (digit !== undefined) stream.push(digit);
    }
    for (let offset = 0; offset < group; offset++) out.push(digitsToBytes(stream, bits, offset));
  }
  return out;
}

/** The text, and every text it decodes to (see the top of this file). */
function* views(text: string): Generator<string> {
  yield text;
  const bases = new Set([text]);
  for (const reading of readings)
    for (const round of unescapeRounds(text, reading)) bases.add(round);
  for (const base of bases) {
    if (base !== text) yield base;
    for (const bytes of decodedBytes(base)) {
      for (const reading of readings) {
        const decoded = readBytes(bytes, reading);
        yield decoded;
        yield* unescapeRounds(decoded, "latin1");
      }
    }
  }
}
