/** The `Reporter`: everything the core says goes through it, redacted. */
import { errorMessage, resolveUntrusted } from "../errors.ts";
import type { Platform } from "../platform.ts";
import { Redactor, maskPieces } from "./redact.ts";
import {
  changedCount,
  failureMessage,
  listSummaryMarkdown,
  resultJson,
  rowLines,
  summaryMarkdown,
  type SummaryContext,
} from "./summary.ts";
import type { ResultRow } from "./result.ts";
import { inert } from "./inert.ts";
import { CleanText } from "./clean-text.ts";

/** What stands where a service's message was withheld. */
export const withheld = "the service's message was withheld because it may contain a secret value";

/**
 * The redactor, and the index of the same values in normal form that decides whether a server's
 * text may be shown: whatever the one learns (a value, the connection's secrets), so does the
 * other.
 */
export class KnownValues extends Redactor {
  readonly clean = new CleanText();
  /** Texts already decided, until a value is learned. */
  readonly decided = new Map<string, boolean>();

  override add(value: string): boolean {
    // A value the platform's mask call taught already is not indexed a second time.
    if (!super.add(value)) return false;
    this.clean.add(value);
    this.decided.clear();
    return true;
  }

  isClean(text: string): boolean {
    let clean = this.decided.get(text);
    if (clean === undefined) {
      clean = this.clean.isClean(text);
      this.decided.set(text, clean);
    }
    return clean;
  }
}

/**
 * What a name, a source or a version may hold to be written exactly: vault names (letters,
 * digits, `-`), pipeline names (`_`, `.`), `*`, and the service's hexadecimal versions.
 */
const exactName = /^[\w.*-]+$/;

/** Everything the core says goes through here: redacted, whatever the platform does. */
export class Reporter {
  /**
   * @param redactor the process's one redactor when the platform redacts too (the CLI prints
   * what it collected after the run): values are then held once, not once per redactor.
   */
  constructor(
    private readonly platform: Platform,
    readonly redactor = new KnownValues(),
  ) {}

  /** Masks a value (whole and each line) with the platform and teaches it to the redactor. */
  remember(value: string): void {
    for (const piece of maskPieces(value)) this.platform.mask(piece);
    this.redactor.add(value);
  }

  /**
   * The one place a server's text (held back as a marker: errors.ts `untrusted`) is put back:
   * whole when it is provably free of every known value (clean-text.ts), else a note that it
   * was withheld. Then redacted (a second line, for the product's own text), then made inert
   * (see service-error.ts): a value is found as it was.
   */
  text(line: string): string {
    const shown = resolveUntrusted(line, (server) =>
      this.redactor.isClean(server) ? server : `(${withheld})`,
    );
    return inert(this.redactor.redact(shown));
  }

  info(line: string): void {
    this.platform.info(this.text(line));
  }

  debug(line: string): void {
    this.platform.debug(this.text(line));
  }

  warning(line: string): void {
    this.platform.warning(this.text(line));
  }

  error(line: string): void {
    this.platform.error(this.text(line));
  }

  /**
   * A row with its free text (error, note; a listed secret's content type and tags, which
   * anyone with write access to the vault wrote) redacted. Names, sources, actions, versions,
   * ids, dates and flags are written exactly: none can hold a value (names are validated,
   * actions come from a fixed set, the others are the service's), and a redacted one would be a
   * name that does not exist. Redaction comes first, every escaping (JSON, markdown, log lines)
   * after it.
   */
  private row(row: ResultRow): ResultRow {
    let safe: ResultRow | undefined;
    // Copied only when something changes: 10,000 unchanged rows are not 10,000 copies.
    const set = <K extends keyof ResultRow>(key: K, value: ResultRow[K]): void => {
      if (value === row[key]) return;
      safe ??= { ...row };
      safe[key] = value;
    };
    // Exact only while they are what the contract says they are: a name or version that a
    // broken server made up is free text like any other.
    if (!exactName.test(row.name)) set("name", this.text(row.name));
    if (!exactName.test(row.source)) set("source", this.text(row.source));
    if (row.version !== undefined && !exactName.test(row.version))
      set("version", this.text(row.version));
    // A password id comes from Graph: exact only while it is one.
    if (row.rotation?.credential !== undefined && !exactName.test(row.rotation.credential))
      set("rotation", { ...row.rotation, credential: this.text(row.rotation.credential) });
    // One line each: a service's message keeps no line break of its own.
    const line = (text: string): string => this.text(text).replaceAll("\n", " ");
    if (row.error !== undefined) set("error", line(row.error));
    if (row.note !== undefined) set("note", line(row.note));
    if (row.listed) {
      // Data, not messages: redacted only (each display makes them inert its own way).
      const { contentType, tags } = row.listed;
      const redact = (text: string): string => this.redactor.redact(text);
      const safeType = contentType === null ? null : redact(contentType);
      const keys = Object.keys(tags);
      const changed = keys.some(
        (key) => redact(key) !== key || redact(tags[key] ?? "") !== tags[key],
      );
      if (safeType !== contentType || changed) {
        set("listed", {
          ...row.listed,
          contentType: safeType,
          tags: Object.fromEntries(keys.map((key) => [redact(key), redact(tags[key] ?? "")])),
        });
      }
    }
    return safe ?? row;
  }

  /**
   * Rows, outputs and summary; one failure at the end when anything failed. List mode also
   * sets `names` (the live secrets' names) and has a summary of its own.
   */
  async finish(
    title: string,
    rows: ResultRow[],
    options: { extraFailure?: string; list?: boolean } & SummaryContext = {},
  ): Promise<void> {
    const safe = rows.map((r) => this.row(r));
    if (!this.platform.tableAtEnd) for (const line of rowLines(safe)) this.platform.info(line);
    this.platform.setOutput("result", resultJson(safe), { secret: false });
    this.platform.setOutput("changed", String(changedCount(safe)), { secret: false });
    if (options.list) {
      const names = safe.filter((r) => r.action === "listed" && r.source === "vault");
      this.platform.setOutput("names", JSON.stringify(names.map((r) => r.name)), {
        secret: false,
      });
    }
    try {
      const summary = options.list ? listSummaryMarkdown : summaryMarkdown;
      const context: SummaryContext = {};
      if (options.vault !== undefined) context.vault = options.vault;
      if (options.workspace !== undefined) context.workspace = options.workspace;
      if (options.mode !== undefined) context.mode = options.mode;
      if (options.cancelled) context.cancelled = true;
      await this.platform.writeSummary(summary(title, safe, context));
    } catch (e: unknown) {
      this.warning(`could not write the job summary: ${errorMessage(e)}`);
    }
    const extra = options.extraFailure === undefined ? undefined : this.text(options.extraFailure);
    const message = [extra, failureMessage(safe)].filter((m) => m !== undefined).join("\n");
    if (message !== "") this.platform.fail(message);
  }
}
