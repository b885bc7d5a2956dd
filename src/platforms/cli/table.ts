/** The result table the CLI prints: one row per secret, never a value. */

interface ResultEntry {
  name: string;
  source: string;
  action: string;
  version?: string | null;
  error?: string;
  note?: string;
}

export function resultTable(resultJson: string | undefined, changed: string | undefined): string {
  let rows: ResultEntry[] = [];
  try {
    rows = JSON.parse(resultJson ?? "[]") as ResultEntry[];
  } catch {
    rows = [];
  }
  if (rows.length === 0) return "";
  const cells = rows.map((r) => [
    r.name,
    r.source,
    r.action,
    r.version ?? "",
    r.error ?? r.note ?? "",
  ]);
  const header = ["SECRET", "SOURCE", "ACTION", "VERSION", "DETAILS"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  // The last column is not padded: an error message can be long.
  const line = (c: string[]): string =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const failed = rows.filter((r) => r.action === "failed").length;
  return [
    line(header),
    ...cells.map(line),
    "",
    `${rows.length} secrets, ${changed ?? "0"} changed, ${failed} failed`,
    "",
  ].join("\n");
}
