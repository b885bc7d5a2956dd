/** What a dry run plans for one entry (`delete`: delete mode, and set mode's `prune`). */
export type PlannedAction =
  "create" | "update" | "unchanged" | "skip" | "recover" | "delete" | "rotate";

/**
 * What an applied run did for one entry: set mode's writes (and `deleted` by `prune`), get
 * mode's `read`, list mode's `listed`, delete mode's `deleted` and `absent` (the vault does not
 * hold that name: not a failure).
 */
export type AppliedAction =
  | "created"
  | "updated"
  | "unchanged"
  | "skipped"
  | "recovered"
  | "read"
  | "listed"
  | "deleted"
  | "absent"
  | "rotated"
  | "failed";

/**
 * What list mode tells of one secret: the listing's attributes of its latest version, never a
 * value. Dates are ISO 8601 (UTC), `null` when the vault has none.
 */
export interface ListedSecret {
  enabled: boolean;
  contentType: string | null;
  tags: Record<string, string>;
  created: string | null;
  updated: string | null;
  expires: string | null;
  notBefore: string | null;
  /** Backed by a Key Vault certificate. */
  managed: boolean;
  /** List mode with `rotate-within`: the version expires within that window. */
  rotationDue?: boolean;
  /** Soft-deleted secrets (`include-deleted`) only. */
  deletedOn?: string | null;
  scheduledPurgeDate?: string | null;
  recoveryId?: string | null;
}

/** One row of the `result` output. Never carries a value. */
export interface ResultRow {
  /** The vault secret name. */
  name: string;
  /**
   * Where the value came from or went: the pipeline variable, `generate`, or the output name;
   * `secrets` (delete mode) or `prune` for a deletion; `vault` or `deleted` for a listed secret.
   */
  source: string;
  action: PlannedAction | AppliedAction;
  version?: string;
  id?: string;
  /** Older versions disabled after this write (`disable-previous-versions`). */
  disabledVersions?: number;
  /** Why the entry failed, or a note (e.g. why `*` skipped it); redacted. */
  error?: string;
  note?: string;
  /** Rotate mode: the provider, which credential (a key name or a password id), the new expiry. */
  rotation?: Rotation;
  /** List mode: the secret's attributes. */
  listed?: ListedSecret;
}

/** What rotate mode tells of one entry; never a value. */
export interface Rotation {
  /** `storage-account`, `entra-application` or `generate`. */
  provider: string;
  /** The key regenerated (`key1`, `key2`) or the password added (its key id). */
  credential?: string;
  /** The new version's expiry (ISO 8601). */
  expires?: string;
}
