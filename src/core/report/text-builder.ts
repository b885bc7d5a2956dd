/**
 * A long text (the `result` JSON, a summary) built piece by piece outside the JS heap: each
 * piece is garbage as soon as it is copied in, so 10,000 rows are never 10,000 strings or
 * objects alive at once (which the garbage collector copies, and for which it grows the young
 * generation); only the whole text, made once at the end, is a string. Held as UTF-8: a lone
 * surrogate comes back as U+FFFD, as in any file the text is written to (JSON.stringify
 * escapes them, so the `result` JSON keeps its own).
 */
export class TextBuilder {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  private lines = 0;

  /** Appends `text`. */
  add(text: string): this {
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.length + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + bytes));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length, "utf8");
    return this;
  }

  /** Appends `text` as a line: the lines are joined with `\n`, with none after the last. */
  line(text: string): this {
    if (this.lines++ > 0) this.add("\n");
    return this.add(text);
  }

  toString(): string {
    return this.buffer.toString("utf8", 0, this.length);
  }
}
