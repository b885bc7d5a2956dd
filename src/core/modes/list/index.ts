/**
 * List mode (`list_secrets`): every secret of the vault with its attributes, never a value: only
 * the listing's pages are requested (no GET of a secret), each one through the gate as a read,
 * and each page becomes rows as it arrives. With `include-deleted`, the soft-deleted secrets
 * too, with their deletion and scheduled purge dates.
 */
import type {
  DeletedSecret,
  PagedAsyncIterableIterator,
  SecretProperties,
} from "@azure/keyvault-secrets";
import type { ListedSecret, ResultRow } from "../../report/result.ts";
import { eachPage } from "../../vault/listing.ts";
import { failure } from "../../vault/service-error.ts";
import type { Job } from "../job.ts";
import type { Mode } from "../mode.ts";

export const listMode: Mode = {
  inputs: { "include-deleted": "false", "rotate-within": null },
  role: `the identity needs the "Key Vault Reader" role on the vault (names and attributes, no values) or "Key Vault Secrets User" (or an access policy with secret list)`,
  listing: true,
  parse({ raw, bool, label, problems, duration }) {
    if ((raw("secrets") ?? "").trim() !== "")
      problems.push(`input ${label("secrets")} is not taken in list mode (it lists every secret)`);
    const includeDeleted = bool("include-deleted", false);
    const rotateWithinMs = duration("rotate-within");
    return {
      dryRun: false,
      run: async (job) => flagDue(await runList(job, includeDeleted), rotateWithinMs),
    };
  },
};

async function runList(
  { client, gate, hint, progress }: Job,
  includeDeleted: boolean,
): Promise<ResultRow[]> {
  const listing = (
    source: "vault" | "deleted",
    start: (
      abortSignal: AbortSignal,
    ) => PagedAsyncIterableIterator<SecretProperties | DeletedSecret>,
  ): Promise<ResultRow[]> => {
    const rows: ResultRow[] = [];
    const what = source === "vault" ? "the vault's secrets" : "the vault's deleted secrets";
    return eachPage(gate, `*${source}`, start, (page) => {
      for (const item of page) {
        const row = listedRow(item, source);
        rows.push(row);
        progress.finished(row);
      }
    }).then(
      () => rows,
      (e: unknown) => [
        ...rows,
        { name: "*", source, action: "failed", error: failure({ hint }, `listing ${what}`, e) },
      ],
    );
  };
  const [live, deleted] = await Promise.all([
    listing("vault", (abortSignal) => client.listPropertiesOfSecrets({ abortSignal })),
    includeDeleted
      ? listing("deleted", (abortSignal) => client.listDeletedSecrets({ abortSignal }))
      : [],
  ]);
  return [...live, ...deleted];
}

/**
 * `rotate-within`: each live secret whose latest version expires within the window (or has
 * expired) is flagged `rotationDue`, as rotate mode with the same window would rotate it.
 */
function flagDue(rows: ResultRow[], withinMs: number | undefined): ResultRow[] {
  if (withinMs === undefined) return rows;
  const now = Date.now();
  return rows.map((row) => {
    if (!row.listed || row.source !== "vault") return row;
    const expires = row.listed.expires === null ? Number.NaN : Date.parse(row.listed.expires);
    const due = !Number.isNaN(expires) && expires - now <= withinMs;
    return {
      ...row,
      listed: { ...row.listed, rotationDue: due },
      ...(due ? { note: expires <= now ? "expired: due for rotation" : "due for rotation" } : {}),
    };
  });
}

const iso = (date: Date | undefined): string | null => date?.toISOString() ?? null;

/** The tags of every secret that has none: one object, not one per row. */
const noTags: Record<string, string> = Object.freeze({});

/** One secret's row: the listing's attributes; a deleted one's dates and recovery id. */
function listedRow(item: SecretProperties | DeletedSecret, source: "vault" | "deleted"): ResultRow {
  const p = "properties" in item ? item.properties : item;
  const listed: ListedSecret = {
    enabled: p.enabled !== false,
    contentType: p.contentType ?? null,
    // A copy only for a secret that has tags: most have none, and share one empty object.
    tags: Object.keys(p.tags ?? {}).length > 0 ? { ...p.tags } : noTags,
    created: iso(p.createdOn),
    updated: iso(p.updatedOn),
    expires: iso(p.expiresOn),
    notBefore: iso(p.notBefore),
    managed: p.managed === true,
  };
  if ("properties" in item) {
    listed.deletedOn = iso(item.deletedOn);
    listed.scheduledPurgeDate = iso(item.scheduledPurgeDate);
    listed.recoveryId = item.recoveryId ?? null;
  }
  const row: ResultRow = { name: item.name, source, action: "listed", listed };
  if (p.version) row.version = p.version;
  if (p.id) row.id = p.id;
  return row;
}
