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
import type { Job } from "./job.ts";
import type { RequestGate } from "./requests.ts";
import type { ListedSecret, ResultRow } from "./result.ts";
import { failure } from "./service-error.ts";

export async function runList({ client, gate, settings, hint }: Job): Promise<ResultRow[]> {
  const listing = (
    source: "vault" | "deleted",
    start: (
      abortSignal: AbortSignal,
    ) => PagedAsyncIterableIterator<SecretProperties | DeletedSecret>,
  ): Promise<ResultRow[]> => {
    const rows: ResultRow[] = [];
    const what = source === "vault" ? "the vault's secrets" : "the vault's deleted secrets";
    return eachPage(gate, `*${source}`, start, (page) => {
      for (const item of page) rows.push(listedRow(item, source));
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
    settings.includeDeleted
      ? listing("deleted", (abortSignal) => client.listDeletedSecrets({ abortSignal }))
      : [],
  ]);
  return [...live, ...deleted];
}

/**
 * Hands each page of a listing to `onPage`, every page fetched through the gate as one read.
 * The SDK's pages do not carry their continuation token (its mapped pages drop it), and a page
 * iterator that threw is finished for good: so when the gate retries a page, the listing is
 * walked again from the first page inside that retry (pages already handed on are fetched,
 * not handed on again). A failure that outlasts the gate's retries rejects. The iterator's abort
 * signal follows the signal of each try, so that a page that times out closes its connection.
 */
export async function eachPage<T>(
  gate: RequestGate,
  label: string,
  start: (abortSignal: AbortSignal) => PagedAsyncIterableIterator<T>,
  onPage: (page: T[]) => void,
): Promise<void> {
  let pages: AsyncIterator<T[]> | undefined;
  let controller = new AbortController();
  let handed = 0;
  for (;;) {
    const next = await gate.read(label, async (signal) => {
      const abort = (): void => controller.abort();
      signal?.addEventListener("abort", abort);
      try {
        if (!pages) {
          controller = new AbortController();
          pages = start(controller.signal).byPage();
          for (let skipped = 0; skipped < handed; skipped += 1) {
            if ((await pages.next()).done) return { done: true as const, value: undefined };
          }
        }
        return await pages.next();
      } catch (e: unknown) {
        pages = undefined;
        throw e;
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    });
    if (next.done) return;
    handed += 1;
    onPage(next.value);
  }
}

const iso = (date: Date | undefined): string | null => date?.toISOString() ?? null;

/** One secret's row: the listing's attributes; a deleted one's dates and recovery id. */
function listedRow(item: SecretProperties | DeletedSecret, source: "vault" | "deleted"): ResultRow {
  const p = "properties" in item ? item.properties : item;
  const listed: ListedSecret = {
    enabled: p.enabled !== false,
    contentType: p.contentType ?? null,
    tags: { ...p.tags },
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
