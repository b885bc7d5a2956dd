import { plural } from "../../core/report/plural.ts";

/** The result table the CLI prints: one row per secret, never a value. */
import { byName } from "../../core/report/summary.ts";

interface ResultEntry {
  name: string;
  source: string;
  action: string;
  version?: string | null;
  error?: string;
  note?: string;
}

/** `changed` undefined: a mode that changes nothing (get), whose count would only mislead. */
export function resultTable(resultJson: string | undefined, changed: string | undefined): string {
  let rows: ResultEntry[] = [];
  try {
    rows = JSON.parse(resultJson ?? "[]") as ResultEntry[];
  } catch {
    rows = [];
  }
  if (rows.length === 0) return "";
  const cells = byName(rows).map((r) => [
    r.name,
    r.source,
    r.action,
    r.version ?? "",
    r.error ?? r.note ?? "",
  ]);
  const header = ["SECRET", "SOURCE", "ACTION", "VERSION", "DETAILS"];
  const failed = rows.filter((r) => r.action === "failed").length;
  const changes = changed === undefined ? "" : ` ${changed} changed,`;
  return `${table(header, cells)}\n${plural(rows.length, "secret")},${changes} ${failed} failed\n`;
}

/** Columns padded to their widest cell, the last one not (an error message can be long). */
function table(header: string[], cells: string[][]): string {
  // A loop, not Math.max(...cells): a listing's 125,000 rows as arguments overflow the stack.
  const widths = header.map((h) => h.length);
  for (const c of cells)
    for (const [i, cell] of c.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  const line = (c: string[]): string =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line), ""].join("\n");
}

interface ListedEntry extends ResultEntry {
  enabled?: boolean;
  managed?: boolean;
  contentType?: string | null;
  tags?: Record<string, string>;
  updated?: string | null;
  expires?: string | null;
  deletedOn?: string | null;
  scheduledPurgeDate?: string | null;
}

/**
 * A cell a terminal shows as written: content types and tags are whatever anyone with write
 * access to the vault wrote, and a control character (an escape sequence, a line break) would
 * rewrite the screen or the table.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

/** List mode's table: one row per secret, its attributes (never a value); deleted ones last. */
export function listTable(resultJson: string | undefined): string {
  let rows: ListedEntry[] = [];
  try {
    rows = JSON.parse(resultJson ?? "[]") as ListedEntry[];
  } catch {
    rows = [];
  }
  const deleted = rows.some((r) => r.deletedOn !== undefined);
  const header = ["NAME", "ENABLED", "MANAGED", "CONTENT-TYPE", "UPDATED", "EXPIRES"];
  if (deleted) header.push("DELETED", "PURGE");
  header.push("TAGS");
  const day = (date: string | null | undefined): string => date?.slice(0, 10) ?? "";
  const cells = byName(rows).map((r) => {
    if (r.action === "failed")
      return [r.name, "", "", "", "", "", ...(deleted ? ["", ""] : []), r.error ?? ""];
    const row = [
      r.name,
      r.enabled ? "yes" : "no",
      r.managed ? "yes" : "no",
      r.contentType ?? "",
      day(r.updated),
      day(r.expires),
    ];
    if (deleted) row.push(day(r.deletedOn), day(r.scheduledPurgeDate));
    row.push(
      Object.entries(r.tags ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    );
    return row;
  });
  const listed = rows.filter((r) => r.action === "listed");
  const softDeleted = listed.filter((r) => r.deletedOn !== undefined).length;
  const failed = rows.length - listed.length;
  const counts = `${plural(listed.length - softDeleted, "secret")}${deleted ? `, ${softDeleted} soft-deleted` : ""}${failed ? `, listing failed` : ""}`;
  return `${table(
    header,
    cells.map((row) => row.map(printable)),
  )}\n${counts}\n`;
}
