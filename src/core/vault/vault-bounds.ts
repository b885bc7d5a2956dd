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

/**
 * The origin of `url`: `origin` itself, without parsing, when the URL starts with it and a `/`
 * (what ends a URL's host; the SDK's URLs of this vault all do), else as the URL parser reads it.
 */
function originOf(url: string, origin: string): string {
  return url.startsWith(`${origin}/`) ? origin : new URL(url).origin;
}

/**
 * The `nextLink` of a listing page's answer; undefined when the answer is not one. Most answers
 * are a secret's, which the SDK has parsed already: a text is parsed again only when it spells
 * `nextLink`, or has a `\u` escape that could spell it.
 */
function nextLinkOf(bodyAsText: string | null | undefined): string | undefined {
  if (!bodyAsText || !(bodyAsText.includes("nextLink") || bodyAsText.includes("\\u")))
    return undefined;
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
      const target = originOf(request.url, origin);
      if (target !== origin) {
        throw new VaultError(
          `the vault ${origin} sent a link to another origin, ${target}: the vault's token goes only to the vault, and nothing was sent there`,
          undefined,
          "EVAULTORIGIN",
        );
      }
      // Looked up only while some listing waits for its next page (a GET of a secret is none).
      const key = following.size > 0 ? pageKey(request.url) : undefined;
      const waiting = key === undefined ? undefined : following.get(key);
      if (key !== undefined) following.delete(key);
      const startedAt = waiting?.startedAt ?? now();
      const response = await next(request);
      const nextLink = response.status === 200 ? nextLinkOf(response.bodyAsText) : undefined;
      if (nextLink === undefined) return response;
      const listing = waiting ?? { seen: new Set<string>(), pages: 0, startedAt };
      listing.seen.add(key ?? pageKey(request.url));
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
