import type { PagedAsyncIterableIterator, SecretProperties } from "@azure/keyvault-secrets";
import type { RequestGate } from "./gate.ts";

/**
 * Hands each page of a listing to `onPage`, every page fetched through the gate as one read
 * (a `page`: it goes before queued GETs, so that the chain of pages never waits behind them).
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
    const next = await gate.read(
      label,
      async (signal) => {
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
      },
      { page: true },
    );
    if (next.done) return;
    handed += 1;
    onPage(next.value);
  }
}

/**
 * What a mode keeps of a listed secret: what set's plan and get's `*` read, not the SDK's
 * `SecretProperties` (its URLs, dates and tags, held for every secret of a large vault until a
 * listing ends, weigh tens of MB).
 */
export interface Listed {
  name: string;
  version?: string;
  id?: string;
  enabled: boolean;
  /** Epoch ms. */
  expiresOn?: number;
  /** Epoch ms. */
  notBefore?: number;
  managed: boolean;
}

export function listedOf(p: SecretProperties): Listed {
  const out: Listed = { name: p.name, enabled: p.enabled !== false, managed: p.managed === true };
  if (p.version) out.version = p.version;
  if (p.id) out.id = p.id;
  if (p.expiresOn) out.expiresOn = p.expiresOn.getTime();
  if (p.notBefore) out.notBefore = p.notBefore.getTime();
  return out;
}
