/** What a dry run plans for one entry. */
export type PlannedAction = "create" | "update" | "unchanged" | "skip" | "recover";

/** What an applied run did for one entry (get mode reports `read`). */
export type AppliedAction =
  "created" | "updated" | "unchanged" | "skipped" | "recovered" | "read" | "failed";

/** One row of the `result` output. Never carries a value. */
export interface ResultRow {
  /** The vault secret name. */
  name: string;
  /** Where the value came from or went: the pipeline variable, `generate`, or the output name. */
  source: string;
  action: PlannedAction | AppliedAction;
  version?: string;
  id?: string;
  /** Older versions disabled after this write (`disable-previous-versions`). */
  disabledVersions?: number;
  /** Why the entry failed, or a note (e.g. why `*` skipped it); redacted. */
  error?: string;
  note?: string;
}
