/**
 * What the step says when it is done: one line per secret (never a value), the `result` JSON,
 * the `changed` count, a markdown summary and one aggregated failure message. Everything here
 * goes through the redactor before it reaches the platform (see run.ts).
 */
import type { ResultRow } from "./result.ts";
import { plural } from "./plural.ts";
import { TextBuilder } from "./text-builder.ts";

/**
 * `changed` is the SPEC's: how many secrets got a new version. A deletion (delete mode, prune)
 * is not one: a workflow that acts on new versions (`if: changed != '0'`, e.g. to restart
 * what reads the vault) must not run because an old secret was retired. Deletions are
 * `deleted` rows in `result`, and counted in the summary.
 */
const changedActions = new Set<ResultRow["action"]>(["created", "updated", "recovered", "rotated"]);

/** How many secrets got a new version (0 on a dry run, in list and in delete mode). */
export function changedCount(rows: ResultRow[]): number {
  return rows.filter((r) => changedActions.has(r.action)).length;
}

/**
 * The `result` output: `{name, source, action, version, id, error?}` per entry; list mode's
 * rows also carry the listed attributes (enabled, contentType, tags, created, ...).
 */
export function resultJson(rows: ResultRow[]): string {
  const json = new TextBuilder().add("[");
  rows.forEach((r, i) => {
    if (i > 0) json.add(",");
    json.add(
      JSON.stringify({
        name: r.name,
        source: r.source,
        action: r.action,
        version: r.version ?? null,
        id: r.id ?? null,
        ...r.listed,
        ...(r.rotation !== undefined ? { rotation: r.rotation } : {}),
        ...(r.disabledVersions !== undefined ? { disabledVersions: r.disabledVersions } : {}),
        ...(r.note !== undefined ? { note: r.note } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
      }),
    );
  });
  return json.add("]").toString();
}

/** One log line per secret: name, action, version (and why, on a failure). */
export function rowLines(rows: ResultRow[]): string[] {
  // A loop, not Math.max(...rows): a listing's 125,000 rows as arguments overflow the stack.
  let width = 0;
  let actionWidth = 0;
  for (const r of rows) {
    width = Math.max(width, Math.min(48, r.name.length));
    actionWidth = Math.max(actionWidth, r.action.length);
  }
  return rows.map((r) => {
    const parts = [r.name.padEnd(width), r.action.padEnd(actionWidth)];
    if (r.version) parts.push(`version ${r.version}`);
    if (r.disabledVersions) parts.push(`(${r.disabledVersions} older disabled)`);
    if (r.rotation) parts.push(`(${rotationText(r.rotation)})`);
    if (r.note) parts.push(`(${r.note})`);
    if (r.error) parts.push(r.error);
    // One line each: a service message with a line break must not start a line of its own
    // (on GitHub a line starting with `::` would be a workflow command).
    return parts
      .join("  ")
      .replace(/\r?\n|\r/g, " ")
      .trimEnd();
  });
}

/** `storage-account key2, expires 2027-03-05`: what a rotation did or would do. */
function rotationText(rotation: NonNullable<ResultRow["rotation"]>): string {
  const credential = rotation.credential ? ` ${rotation.credential}` : "";
  const expires = rotation.expires ? `, expires ${rotation.expires}` : "";
  return `${rotation.provider}${credential}${expires}`;
}

/** Text safe inside a markdown table cell: no HTML, no markdown syntax, no line breaks. */
export function escapeMarkdown(text: string): string {
  // Markdown first, then HTML: the entities written last must not be escaped again.
  return text
    .replace(/[\\`*_{}[\]()#+!~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "&#124;")
    .replace(/\r?\n|\r/g, " ");
}

/** Where and what the run was, for the summary's first lines. */
export interface SummaryContext {
  vault?: string;
  workspace?: string;
  /** The mode as the `mode` input names it. */
  mode?: string;
  cancelled?: boolean;
}

/** The status mark of an action; GitHub and Azure Pipelines both render them in markdown. */
const marks: Partial<Record<ResultRow["action"], string>> = {
  failed: "❌",
  created: "✅",
  updated: "✅",
  recovered: "✅",
  deleted: "✅",
  read: "✅",
  listed: "✅",
  unchanged: "➖",
  absent: "➖",
  skipped: "⏭️",
};

const mark = (action: ResultRow["action"]): string => marks[action] ?? "📝";

/**
 * Names in the order a person reads them: `secret-2` before `secret-10`, case aside. The
 * collator is made on the first sort of two rows or more: making one loads ICU's collation
 * data (some 10 ms, a tenth of a one-secret run's start).
 */
let collator: Intl.Collator | undefined;
export function byName<T extends { name: string }>(rows: readonly T[]): T[] {
  if (rows.length < 2) return [...rows];
  collator ??= new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  const { compare } = collator;
  return [...rows].sort((a, b) => compare(a.name, b.name));
}

/** Beyond this many rows the full table is folded away (`<details>`): the outcome comes first. */
export const foldRowsAbove = 50;

/** Modes that change nothing: their summary does not count "changed". */
const readOnlyModes = new Set(["get", "list"]);

/** `❌ 3 failed · ✅ 100 created · ➖ 12 unchanged`, failed first, then by count. */
function countsLine(rows: ResultRow[]): string {
  const counts = new Map<ResultRow["action"], number>();
  for (const r of rows) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts]
    .sort(([a, m], [b, n]) => Number(b === "failed") - Number(a === "failed") || n - m)
    .map(([action, n]) => `${mark(action)} ${n} ${action}`)
    .join(" · ");
}

/** The first lines: the outcome (mark and title), the vault, the counts. */
function outcome(title: string, rows: ResultRow[], context: SummaryContext): string[] {
  const failed = rows.some((r) => r.action === "failed");
  const head = context.cancelled ? "⚠️" : failed ? "❌" : "✅";
  const where = [
    context.vault !== undefined ? `vault \`${context.vault}\`` : undefined,
    context.workspace !== undefined ? `workspace ${escapeMarkdown(context.workspace)}` : undefined,
    context.mode !== undefined ? `mode ${escapeMarkdown(context.mode)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  const changed =
    context.mode !== undefined && readOnlyModes.has(context.mode)
      ? ""
      : `; ${changedCount(rows)} changed`;
  const total = `${rows.length} ${rows.length === 1 ? "entry" : "entries"}${changed}`;
  return [
    `### ${head} ${escapeMarkdown(title)}`,
    "",
    ...(where.length > 0 ? [`${where.join(" · ")}`, ""] : []),
    `**${total}**${rows.length > 0 ? `: ${countsLine(rows)}` : ""}`,
    "",
  ];
}

/**
 * A table (its header, then one line per row) folded away under `summary` when it is long.
 * The rows' lines go straight into `out`: 10,000 of them are never alive at once.
 */
function folded<T>(
  out: TextBuilder,
  summary: string,
  header: string[],
  rows: readonly T[],
  line: (row: T) => string,
): void {
  const fold = rows.length > foldRowsAbove;
  if (fold) out.line(`<details><summary>${summary}</summary>`).line("");
  for (const text of header) out.line(text);
  for (const row of rows) out.line(line(row));
  out.line("");
  if (fold) out.line("</details>").line("");
}

export function summaryMarkdown(
  title: string,
  rows: ResultRow[],
  context: SummaryContext = {},
): string {
  const details = (r: ResultRow): string =>
    [
      r.error,
      r.note,
      r.disabledVersions ? `${r.disabledVersions} older versions disabled` : undefined,
      r.rotation ? rotationText(r.rotation) : undefined,
    ]
      .filter((d): d is string => d !== undefined)
      .join("; ");
  const line = (cells: string[]): string => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
  const out = new TextBuilder();
  for (const text of outcome(title, rows, context)) out.line(text);
  const failed = byName(rows.filter((r) => r.action === "failed"));
  if (failed.length > 0) {
    out.line(`#### ❌ Failed (${failed.length})`).line("");
    out.line("| Secret | Source | Error |").line("| --- | --- | --- |");
    for (const r of failed) out.line(line([r.name, r.source, details(r)]));
    out.line("");
  }
  // A failed entry's reason is in the table of failures above; said twice, a long service
  // message would widen every column of the full table.
  if (rows.length > 0)
    folded(
      out,
      `All ${rows.length} entries`,
      ["| Secret | Source | Action | Version | Details |", "| --- | --- | --- | --- | --- |"],
      byName(rows),
      (r) =>
        `| ${escapeMarkdown(r.name)} | ${escapeMarkdown(r.source)} | ${mark(r.action)} ${escapeMarkdown(r.action)} | ${escapeMarkdown(r.version ?? "")} | ${escapeMarkdown(r.action === "failed" ? "see Failed above" : details(r))} |`,
    );
  return out.toString();
}

/** List mode's summary: the attributes of each secret (never a value), deleted ones last. */
export function listSummaryMarkdown(
  title: string,
  rows: ResultRow[],
  context: SummaryContext = {},
): string {
  const deleted = rows.some((r) => r.listed?.deletedOn !== undefined);
  const columns = ["Secret", "Enabled", "Managed", "Content type", "Tags", "Updated", "Expires"];
  if (deleted) columns.push("Deleted", "Purge date");
  columns.push("Details");
  const day = (date: string | null | undefined): string => date?.slice(0, 10) ?? "";
  const line = (r: ResultRow): string => {
    const l = r.listed;
    const cells = l
      ? [
          r.name,
          l.enabled ? "yes" : "no",
          l.managed ? "yes" : "no",
          l.contentType ?? "",
          Object.entries(l.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(", "),
          day(l.updated),
          day(l.expires),
        ]
      : [r.name, "", "", "", "", "", ""];
    if (deleted) cells.push(day(l?.deletedOn), day(l?.scheduledPurgeDate));
    cells.push(r.error ?? r.note ?? "");
    return `| ${cells.map(escapeMarkdown).join(" | ")} |`;
  };
  let listed = 0;
  let softDeleted = 0;
  let failed = 0;
  for (const r of rows) {
    if (r.action === "listed") listed += 1;
    if (r.action === "listed" && r.source === "deleted") softDeleted += 1;
    if (r.action === "failed") failed += 1;
  }
  const counts = `${plural(listed - softDeleted, "secret")}${deleted ? `, ${softDeleted} soft-deleted` : ""}${failed ? `; ${failed} listing failed` : ""}`;
  const out = new TextBuilder();
  const head = outcome(title, rows, { ...context, mode: "list" });
  for (const text of head.slice(0, -2)) out.line(text);
  out.line(`**${counts}**`).line("");
  folded(
    out,
    `All ${rows.length} secrets`,
    [`| ${columns.join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`],
    byName(rows),
    line,
  );
  return out.toString();
}

/** One message naming every failed secret and why. */
export function failureMessage(rows: ResultRow[]): string | undefined {
  const failed = rows.filter((r) => r.action === "failed");
  if (failed.length === 0) return undefined;
  return [
    `aml-secrets: ${failed.length} of ${plural(rows.length, "secret")} failed:`,
    ...failed.map((r) => `- ${r.name}: ${r.error ?? "failed"}`),
  ].join("\n");
}
