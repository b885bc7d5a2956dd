/**
 * The one redactor: it knows every value the step read, generated or received, and replaces
 * each of them in everything the core prints, outputs (other than a secret output), summarises
 * or fails with. The platform masks too; this does not rely on it.
 *
 * What it finds, for each value and each line of a multi-line value:
 * - the text itself, in any letter case, and any run of at least `prefixLength` characters it
 *   starts with (a value cut short by a broken answer or a length limit);
 * - the same inside JSON strings however they were escaped (`\"`, `\u0027`, every character as
 *   `\uXXXX`...) and once more escaped (a JSON string inside a JSON string);
 * - the same percent-encoded, in any mix of encoded and plain characters, `+` for a space
 *   (URLs and form bodies);
 * - its UTF-8 bytes as hex, and as base64 / base64url starting at any of the three byte
 *   offsets a value can have inside a longer encoded text, with or without padding.
 *
 * It never throws, whatever the strings: a value that is not well-formed UTF-16 (a lone
 * surrogate from a vault's JSON) is searched for as the bytes it would be written as.
 */

export const redacted = "***";

/**
 * Strings shorter than this are not searched for: replacing every `a` or `{}` in a log would
 * garble it while hiding nothing worth hiding (a 2-character secret is no secret).
 */
const minLength = 3;

/**
 * A run this long that a value starts with is taken for the value cut short. Shorter runs are
 * too likely to be ordinary text shared with a value (`-----BEGIN `, `{"type": `).
 */
export const prefixLength = 12;

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

/** Lower case that keeps every UTF-16 unit where it was, so positions carry over. */
function fold(text: string): string {
  // ASCII (every encoded form, most values) lowers unit for unit: one flat string at once.
  if (ascii.test(text)) return text.toLowerCase();
  let out = "";
  for (const unit of text) {
    // `for of` walks code points; a lone surrogate comes through as itself.
    const lower = unit.toLowerCase();
    out += lower.length === unit.length ? lower : unit;
  }
  return out;
}

const ascii = /^[\x00-\x7f]*$/;

/** `text` as it reads back from UTF-8: each lone surrogate becomes U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
}

/** The base64 alphabet's two variants of the same bytes. */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    // The value's bytes after `offset` others: only the characters made of its bits alone.
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = shifted.toString("base64");
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * shifted.length) / 6);
    forms.push(encoded.slice(first, last));
    if (offset === 0) forms.push(encoded, encoded.replace(/=+$/, ""));
  }
  return forms.flatMap((f) => [f, f.replace(/\+/g, "-").replace(/\//g, "_")]);
}

/** Every encoded form searched for directly (JSON and percent forms are decoded instead). */
function formsOf(piece: string): string[] {
  const bytes = Buffer.from(piece, "utf8");
  return [JSON.stringify(piece).slice(1, -1), bytes.toString("hex"), ...base64Forms(bytes)];
}

/**
 * A view of a text with one kind of escape decoded, and where each of its units came from:
 * a match in the view covers `start[i]` to `end[j]` of the text. The text itself is the view
 * without them (unit `i` is unit `i`): most texts hold no escape, and cost no arrays.
 */
interface View {
  text: string;
  start?: number[];
  end?: number[];
}

/** `inner`, a view of `outer.text`, with its positions carried over to `outer`'s text. */
function within(outer: View, inner: View): View {
  const { start, end } = outer;
  if (!start || !end || !inner.start || !inner.end) return inner;
  return {
    text: inner.text,
    start: inner.start.map((i) => start[i] ?? 0),
    end: inner.end.map((i) => end[i - 1] ?? 0),
  };
}

/**
 * The views of `text` to search: itself, and each decoding that changes it (JSON escapes, once
 * and twice; percent-encoding). A view is made only when the text holds what it decodes.
 */
function viewsOf(text: string): View[] {
  const views: View[] = [{ text }];
  if (text.includes("\\")) {
    const json = jsonView(text);
    views.push(json);
    // Escaped twice (a JSON string inside a JSON string) is decoded once more.
    if (json.text.includes("\\")) views.push(within(json, jsonView(json.text)));
  }
  if (text.includes("%") || text.includes("+")) views.push(percentView(text));
  return views;
}

const jsonEscapes: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** `text` with JSON string escapes (`\n`, `\"`, `\u00e9`, `\ud83d\ude00`) decoded. */
function jsonView(text: string): View {
  const start: number[] = [];
  const end: number[] = [];
  const view = { text: "", start, end };
  const push = (unit: string, from: number, to: number): void => {
    view.text += unit;
    start.push(from);
    end.push(to);
  };
  for (let i = 0; i < text.length;) {
    if (text[i] === "\\") {
      const next = text[i + 1] ?? "";
      const hex = text.slice(i + 2, i + 6);
      if (next === "u" && /^[0-9a-fA-F]{4}$/.test(hex)) {
        push(String.fromCharCode(parseInt(hex, 16)), i, i + 6);
        i += 6;
        continue;
      }
      const simple = jsonEscapes[next];
      if (simple !== undefined) {
        push(simple, i, i + 2);
        i += 2;
        continue;
      }
    }
    push(text[i] ?? "", i, i + 1);
    i += 1;
  }
  return view;
}

/**
 * `text` with percent-encoding decoded (runs of `%XX` as UTF-8, `+` as a space, as a form body
 * has it). Every unit decoded from one run spans the whole run: a match inside it hides it all.
 */
const percentRun = /(?:%[0-9a-fA-F]{2})+/y;

function percentView(text: string): View {
  const view = { text: "", start: [] as number[], end: [] as number[] };
  for (let i = 0; i < text.length;) {
    percentRun.lastIndex = i;
    const run = text[i] === "%" ? percentRun.exec(text) : null;
    if (run) {
      const length = run[0].length;
      const decoded = Buffer.from(run[0].replace(/%/g, ""), "hex").toString("utf8");
      for (const unit of decoded.split("")) {
        view.text += unit;
        view.start.push(i);
        view.end.push(i + length);
      }
      i += length;
      continue;
    }
    view.text += text[i] === "+" ? " " : (text[i] ?? "");
    view.start.push(i);
    view.end.push(i + 1);
    i += 1;
  }
  return view;
}

/**
 * Bits of a filter on the first `minLength` units of every needle: a position of a text whose
 * units are not in it starts no needle (a false hit only costs a look-up). 2^20 bits: 128 kB.
 */
const filterBits = 20;

function keyHash(text: string, at: number): number {
  let h = 0;
  for (let i = 0; i < minLength; i++) h = Math.imul(h ^ text.charCodeAt(at + i), 0x01000193);
  return (h ^ (h >>> 15)) & ((1 << filterBits) - 1);
}

/**
 * A sorted run of needles, stored compactly: all of them in one flat string, needle `i` from
 * `starts[i]` to `starts[i + 1]`, and whether it is plain (a value or a line of one) in
 * `plain[i]`. 70,000 needles (10,000 values) are then one string and two typed arrays, not
 * 70,000 strings in Sets and arrays that the garbage collector walks and copies.
 */
interface Run {
  text: string;
  starts: Uint32Array;
  plain: Uint8Array;
}

/**
 * How many values wait at most before their needles are made and sorted into the runs: what
 * waits stays a working set, however long nothing is printed.
 */
const waitingLimit = 512;

/** A needle about to be sorted into the runs. */
interface Pending {
  key: string;
  plain: boolean;
}

/**
 * Memory and time at 10,000 values (a set re-run): each needle is stored once, in one run
 * (see `Run`); learning is linear in what is learned: new values wait in `waiting` (the values
 * themselves, which are held anyway), and their needles are made and sorted into runs of
 * doubling size (a binary counter) when a text is next redacted or `waitingLimit` values wait,
 * so a run that alternates learning and printing (get mode) does not sort everything again for
 * each value, and the needles are garbage right after they were copied into a run (not
 * strings that live long enough for the garbage collector to move them to the old generation).
 */
export class Redactor {
  /** The values handed in, by reference: a value handed in twice is learned once. */
  private readonly added = new Set<string>();
  /** Sorted runs of needles (folded), longest first, each at least twice the next one's length. */
  private readonly runs: Run[] = [];
  private waiting: string[] = [];
  /** Each length some needle has, longest first. */
  private lengths: number[] = [];
  private readonly filter = new Uint32Array((1 << filterBits) / 32);

  /** Learns a value (and its lines and encoded forms); false when it was learned before. */
  add(value: string): boolean {
    if (this.added.has(value)) return false;
    this.added.add(value);
    this.waiting.push(value);
    if (this.waiting.length >= waitingLimit) this.settle();
    return true;
  }

  /** `text` with every known value, in every form, replaced by `***`. */
  redact(text: string): string {
    if (text.length < minLength) return text;
    this.settle();
    if (this.runs.length === 0) return text;
    const spans: [number, number][] = [];
    for (const view of viewsOf(text)) this.find(view, spans);
    return replaceSpans(text, spans);
  }

  /** The needles of a value: each of its lines and itself, and their encoded forms. */
  private needles(value: string, pending: Pending[]): void {
    const learn = (text: string, plain: boolean): void => {
      const key = fold(text);
      if (key.length < minLength) return;
      pending.push({ key, plain });
      const h = keyHash(key, 0);
      this.filter[h >>> 5] = (this.filter[h >>> 5] ?? 0) | (1 << (h & 31));
      if (!this.lengths.includes(key.length)) {
        this.lengths.push(key.length);
        this.lengths.sort((a, b) => b - a);
      }
    };
    for (const piece of maskPieces(value)) {
      // As written out: a lone surrogate becomes U+FFFD in UTF-8, and is searched for as such.
      for (const plain of new Set([piece, wellFormed(piece)])) learn(plain, true);
      for (const form of formsOf(piece)) learn(form, false);
    }
  }

  /** Sorts the needles of the waiting values into the runs. */
  private settle(): void {
    if (this.waiting.length === 0) return;
    const pending: Pending[] = [];
    for (const value of this.waiting) this.needles(value, pending);
    this.waiting = [];
    if (pending.length === 0) return;
    let run = toRun(pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
    for (
      let last = this.runs.at(-1);
      last && last.starts.length <= 2 * run.starts.length;
      last = this.runs.at(-1)
    ) {
      this.runs.pop();
      run = merge(last, run);
    }
    this.runs.push(run);
  }

  /** Adds the text spans of every needle (or cut-short value) found in `view`. */
  private find(view: View, spans: [number, number][]): void {
    const folded = fold(view.text);
    for (let i = 0; i + minLength <= folded.length; i++) {
      const h = keyHash(folded, i);
      if (((this.filter[h >>> 5] ?? 0) & (1 << (h & 31))) === 0) continue;
      const length = this.longestAt(folded, i);
      if (length === 0) continue;
      const last = i + length - 1;
      spans.push(
        view.start && view.end
          ? [view.start[i] ?? 0, view.end[last] ?? view.text.length]
          : [i, last + 1],
      );
    }
  }

  /**
   * The longest needle that `text` holds at `at`, or the longest run a value starts with.
   * In sorted order, the needles sharing the most with the text there stand right beside the
   * place the text would go (in each run); each needle that is whole in the text there is at
   * most that long.
   */
  private longestAt(text: string, at: number): number {
    let shared = 0;
    let plainShared = 0;
    for (const run of this.runs) {
      const place = lowerBound(run, text, at, text.length);
      for (const neighbour of [place - 1, place]) {
        if (neighbour < 0 || neighbour >= run.plain.length) continue;
        const n = sharedLength(text, at, text.length, run, neighbour);
        shared = Math.max(shared, n);
        if (run.plain[neighbour] === 1) plainShared = Math.max(plainShared, n);
      }
    }
    if (shared < minLength) return 0;
    if (plainShared >= prefixLength) return plainShared;
    for (const length of this.lengths) {
      if (length <= shared && this.holds(text, at, at + length)) return length;
    }
    return 0;
  }

  /** Whether some run holds exactly the needle `text` has from `at` to `end`. */
  private holds(text: string, at: number, end: number): boolean {
    return this.runs.some((run) => {
      const place = lowerBound(run, text, at, end);
      return place < run.plain.length && compareAt(run, place, text, at, end) === 0;
    });
  }
}

/** Needle `i` of a run. */
function needle(run: Run, i: number): string {
  return run.text.slice(run.starts[i], run.starts[i + 1]);
}

/** Sorted needles as a run; a needle given twice is kept once, plain if either was. */
function toRun(sorted: readonly Pending[]): Run {
  const keys: string[] = [];
  const plain: number[] = [];
  for (const { key, plain: isPlain } of sorted) add(keys, plain, key, isPlain ? 1 : 0);
  return runOf(keys, plain);
}

/** Adds a needle to sorted `keys`, or marks the last one plain when it is the same needle. */
function add(keys: string[], plain: number[], key: string, isPlain: number): void {
  if (keys.at(-1) === key) plain[plain.length - 1] ||= isPlain;
  else {
    keys.push(key);
    plain.push(isPlain);
  }
}

function runOf(keys: readonly string[], plain: readonly number[]): Run {
  const starts = new Uint32Array(keys.length + 1);
  keys.forEach((key, i) => (starts[i + 1] = (starts[i] ?? 0) + key.length));
  // One flat string: `join` copies the needles into it, and they are garbage after.
  return { text: keys.join(""), starts, plain: Uint8Array.from(plain) };
}

/** Two runs as one (a needle in both is kept once). */
function merge(a: Run, b: Run): Run {
  const keys: string[] = [];
  const plain: number[] = [];
  const take = (run: Run, k: number): void => add(keys, plain, needle(run, k), run.plain[k] ?? 0);
  let i = 0;
  let j = 0;
  while (i < a.plain.length && j < b.plain.length) {
    const from = b.starts[j] ?? 0;
    // Needle `i` of `a` against needle `j` of `b`, as `compareAt` compares with a text.
    if (compareAt(a, i, b.text, from, b.starts[j + 1] ?? from) <= 0) take(a, i++);
    else take(b, j++);
  }
  while (i < a.plain.length) take(a, i++);
  while (j < b.plain.length) take(b, j++);
  return runOf(keys, plain);
}

/** The first needle of `run` that is not before the text from `at` to `end`. */
function lowerBound(run: Run, text: string, at: number, end: number): number {
  let low = 0;
  let high = run.plain.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareAt(run, middle, text, at, end) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Needle `i` of `run` against the text from `at` to `end`, in the order `Array.prototype.sort`
 * gives strings.
 */
function compareAt(run: Run, i: number, text: string, at: number, end: number): number {
  const n = sharedLength(text, at, end, run, i);
  const length = (run.starts[i + 1] ?? 0) - (run.starts[i] ?? 0);
  if (n === length) return n === end - at ? 0 : -1;
  if (at + n >= end) return 1;
  return run.text.charCodeAt((run.starts[i] ?? 0) + n) - text.charCodeAt(at + n);
}

/** How many units of needle `i` of `run` stand in `text` from `at` on (before `end`). */
function sharedLength(text: string, at: number, end: number, run: Run, i: number): number {
  const from = run.starts[i] ?? 0;
  const length = Math.min((run.starts[i + 1] ?? 0) - from, end - at);
  let n = 0;
  while (n < length && text.charCodeAt(at + n) === run.text.charCodeAt(from + n)) n++;
  return n;
}

/** `text` with each span (merged where they overlap or touch) replaced by `***`. */
function replaceSpans(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  let current: [number, number] | undefined;
  for (const span of spans) {
    if (current && span[0] <= current[1]) current[1] = Math.max(current[1], span[1]);
    else {
      if (current) {
        out += text.slice(at, current[0]) + redacted;
        at = current[1];
      }
      current = [span[0], span[1]];
    }
  }
  if (current) out += text.slice(at, current[0]) + redacted;
  return out + text.slice(current ? current[1] : at);
}
