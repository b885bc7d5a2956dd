/**
 * What the step says when it is done: one line per secret (never a value), the `result` JSON,
 * the `changed` count, a markdown summary and one aggregated failure message. Everything here
 * goes through the redactor before it reaches the platform (see run.ts).
 */
import type { ResultRow } from "./result.ts";

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
  return JSON.stringify(
    rows.map((r) => ({
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
    })),
  );
}

/** One log line per secret: name, action, version (and why, on a failure). */
export function rowLines(rows: ResultRow[]): string[] {
  const width = Math.min(48, Math.max(0, ...rows.map((r) => r.name.length)));
  const actionWidth = Math.max(0, ...rows.map((r) => r.action.length));
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

export function summaryMarkdown(title: string, rows: ResultRow[]): string {
  const header = [
    "| Secret | Source | Action | Version | Details |",
    "| --- | --- | --- | --- | --- |",
  ];
  const body = rows.map((r) => {
    const details = [
      r.error,
      r.note,
      r.disabledVersions ? `${r.disabledVersions} older versions disabled` : undefined,
      r.rotation ? rotationText(r.rotation) : undefined,
    ]
      .filter((d): d is string => d !== undefined)
      .join("; ");
    const cells = [r.name, r.source, r.action, r.version ?? "", details].map(escapeMarkdown);
    return `| ${cells.join(" | ")} |`;
  });
  const count = (action: string): number => rows.filter((r) => r.action === action).length;
  const deleted = count("deleted") > 0 ? `, ${count("deleted")} deleted` : "";
  const counts = `${rows.length} secrets, ${changedCount(rows)} changed${deleted}, ${count("failed")} failed`;
  return [`### ${escapeMarkdown(title)}`, "", counts, "", ...header, ...body, ""].join("\n");
}

/** List mode's summary: the attributes of each secret (never a value), deleted ones last. */
export function listSummaryMarkdown(title: string, rows: ResultRow[]): string {
  const deleted = rows.some((r) => r.listed?.deletedOn !== undefined);
  const columns = ["Secret", "Enabled", "Managed", "Content type", "Tags", "Updated", "Expires"];
  if (deleted) columns.push("Deleted", "Purge date");
  columns.push("Details");
  const day = (date: string | null | undefined): string => date?.slice(0, 10) ?? "";
  const body = rows.map((r) => {
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
  });
  const listed = rows.filter((r) => r.action === "listed");
  const softDeleted = listed.filter((r) => r.source === "deleted").length;
  const failed = rows.filter((r) => r.action === "failed").length;
  const counts = `${listed.length - softDeleted} secrets${deleted ? `, ${softDeleted} soft-deleted` : ""}${failed ? `; ${failed} listing failed` : ""}`;
  return [
    `### ${escapeMarkdown(title)}`,
    "",
    counts,
    "",
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...body,
    "",
  ].join("\n");
}

/** One message naming every failed secret and why. */
export function failureMessage(rows: ResultRow[]): string | undefined {
  const failed = rows.filter((r) => r.action === "failed");
  if (failed.length === 0) return undefined;
  return [
    `aml-secrets: ${failed.length} of ${rows.length} secrets failed:`,
    ...failed.map((r) => `- ${r.name}: ${r.error ?? "failed"}`),
  ].join("\n");
}
