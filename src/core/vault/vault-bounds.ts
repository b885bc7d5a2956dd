/**
 * What the vault's answers may make the SDK do, bounded in one policy of the vault client's
 * pipeline, placed after the authentication policy (so it sees every request as it would leave,
 * token and redirects included) and before the transport:
 *
 * - a request goes only to the vault's own scheme, host and port: a `nextLink` (or anything
 *   else) pointing elsewhere fails, naming the origin, and nothing is sent there;
 * - a listing follows its `nextLink`s for at most `maxListingPages` pages and `listingDeadlineMs`
 *   in all, and never to a page it has already been given (a vault that sends the same page
 *   again would otherwise hold the step for ever, every row in memory).
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { VaultError } from "../errors.ts";

/**
 * Key Vault gives at most 25 items a page. The bound is that of a vault of 100,000 secrets,
 * far beyond what a pipeline keeps in one vault (4,000 pages), with a quarter more as margin.
 */
export const maxListingPages = 5_000;

/**
 * A listing's whole time: a quarter of a second a page at the bound of pages (Key Vault answers
 * a page in tens of milliseconds), some 21 minutes. Each page has its own request timeout too.
 */
export const listingDeadlineMs = maxListingPages * 250;

export interface VaultBoundsOptions {
  maxPages?: number;
  deadlineMs?: number;
  now?: () => number;
}

interface Listing {
  /** The pages asked for so far, as `pageKey` writes them. */
  seen: Set<string>;
  pages: number;
  startedAt: number;
}

/** A page's address without the api-version the SDK adds when a link has none. */
function pageKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("api-version");
  parsed.searchParams.sort();
  parsed.hash = "";
  return parsed.href;
}

/** The `nextLink` of a listing page's answer; undefined when the answer is not one. */
function nextLinkOf(bodyAsText: string | null | undefined): string | undefined {
  if (!bodyAsText) return undefined;
  try {
    const next: unknown = (JSON.parse(bodyAsText) as { nextLink?: unknown } | null)?.nextLink;
    return typeof next === "string" && next !== "" ? next : undefined;
  } catch {
    return undefined;
  }
}

export function vaultBoundsPolicy(
  vaultUrl: string,
  options: VaultBoundsOptions = {},
): PipelinePolicy {
  const origin = new URL(vaultUrl).origin;
  const maxPages = options.maxPages ?? maxListingPages;
  const deadlineMs = options.deadlineMs ?? listingDeadlineMs;
  const now = options.now ?? Date.now;
  /** The listing each expected next page belongs to, by the page's key. */
  const following = new Map<string, Listing>();

  return {
    name: "amlSecretsVaultBounds",
    async sendRequest(request, next) {
      const target = new URL(request.url).origin;
      if (target !== origin) {
        throw new VaultError(
          `the vault ${origin} sent a link to another origin, ${target}: the vault's token goes only to the vault, and nothing was sent there`,
          undefined,
          "EVAULTORIGIN",
        );
      }
      const key = pageKey(request.url);
      const listing = following.get(key) ?? { seen: new Set<string>(), pages: 0, startedAt: now() };
      following.delete(key);
      const response = await next(request);
      const nextLink = response.status === 200 ? nextLinkOf(response.bodyAsText) : undefined;
      if (nextLink === undefined) return response;
      listing.seen.add(key);
      listing.pages += 1;
      const bound = (why: string): never => {
        throw new VaultError(`the vault's listing ${why}`, undefined, "ELISTINGBOUND");
      };
      if (!URL.canParse(nextLink, request.url)) bound("sent a next link that is not a URL");
      const nextKey = pageKey(new URL(nextLink, request.url).href);
      if (listing.seen.has(nextKey))
        bound(
          `sent a page it had already sent (its next link repeats, after ${listing.pages} pages)`,
        );
      if (listing.pages >= maxPages)
        bound(
          `went on past ${maxPages} pages (${maxPages * 25} secrets at 25 a page); it was not followed further`,
        );
      if (now() - listing.startedAt > deadlineMs)
        bound(
          `took longer than ${Math.round(deadlineMs / 1000)} s in all (${listing.pages} pages); it was not followed further`,
        );
      following.set(nextKey, listing);
      return response;
    },
  };
}
