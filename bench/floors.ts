/**
 * The floors: the least wall time Key Vault itself allows a run, from the service's published
 * budgets and the round trips that must follow one another at the vault's latency. Nothing
 * here comes from the product: this module imports nothing (`npm run bench -- --check` asserts
 * it), so a change to the product's pacing, concurrency or window margin cannot move a floor.
 *
 * Key Vault's service limits (learn.microsoft.com, "Azure Key Vault service limits", the
 * secrets table, as the SPEC quotes them): per vault, 300 secret writes and 4,000 other
 * requests in any 10 s; a listing answers 25 per page. The service does not bound the requests
 * in flight, so neither does a floor.
 */
export const keyVaultService = {
  windowMs: 10_000,
  writes: 300,
  others: 4_000,
  pageSize: 25,
} as const;

/**
 * `n` requests of one budget that each take one round trip of `latencyMs`, the first sent at
 * `startMs`: `budget` go at once, each further `budget` one window after the first group
 * (the service counts a sliding window), and the last one answers a round trip later.
 */
export function budgetFloorMs(n: number, budget: number, latencyMs: number, startMs = 0): number {
  if (n === 0) return 0;
  return startMs + (Math.ceil(n / budget) - 1) * keyVaultService.windowMs + latencyMs;
}

/** What a run must send at the least, whoever sends it, and what must come first. */
export interface RunShape {
  /** Secret writes (PUT, recover POST, DELETE): the 300 budget. */
  writes: number;
  /** Everything else the vault counts (GETs, list pages): the 4,000 budget. */
  others: number;
  /**
   * The longest chain of round trips one after the other, the token included (a request
   * cannot go before the token is in). E.g. token, read a deleted secret's state, recover, write: 4.
   */
  chain: number;
  /** Round trips before the first write can go (token, the read that says what to write). */
  beforeFirstWrite: number;
  /** Round trips before the first other request can go (the token). */
  beforeFirstOther: number;
}

export interface Floor {
  ms: number;
  /** Which term binds, for the table's notes. */
  binding: "writes" | "others" | "chain";
  terms: { writes: number; others: number; chain: number };
}

/** The largest of: the writes at their budget, the others at theirs, and the longest chain. */
export function floor(shape: RunShape, latencyMs: number): Floor {
  const terms = {
    writes: budgetFloorMs(
      shape.writes,
      keyVaultService.writes,
      latencyMs,
      shape.beforeFirstWrite * latencyMs,
    ),
    others: budgetFloorMs(
      shape.others,
      keyVaultService.others,
      latencyMs,
      shape.beforeFirstOther * latencyMs,
    ),
    chain: shape.chain * latencyMs,
  };
  // On a tie the budget binds: the chain is a bound of its own only where it is longer.
  const binding = (["chain", "others", "writes"] as const).reduce((a, b) =>
    terms[b] > terms[a] || (terms[b] === terms[a] && shape[b] > 0) ? b : a,
  );
  return { ms: terms[binding], binding, terms };
}

/**
 * `set` with `overwrite: changed` over a vault, at the least: the token; one listing of the
 * live secrets and one of the deleted ones (cheaper than a GET of each mapped name, and the
 * deleted listing saves the write a blind PUT would spend on a 409); a GET of each enabled
 * existing secret (its value is compared); a write of each changed, new or disabled one (a
 * disabled version cannot be read, nobody can use it); a recover and a write of each deleted one.
 */
export function setShape(vault: {
  unchanged: number;
  changed: number;
  created: number;
  disabled: number;
  deleted: number;
}): RunShape {
  const live = vault.unchanged + vault.changed + vault.disabled;
  const pages = (n: number): number => Math.max(1, Math.ceil(n / keyVaultService.pageSize));
  const deletedPages = vault.deleted > 0 ? pages(vault.deleted) : 0;
  const mapped = live + vault.created + vault.deleted;
  // The listings and a GET of each enabled one, or a GET of every mapped name (a 404 is new or
  // deleted: the deleted listing tells which), whichever is fewer.
  const others = Math.min(
    pages(live) + deletedPages + vault.unchanged + vault.changed,
    mapped + deletedPages,
  );
  return {
    writes: vault.changed + vault.created + vault.disabled + 2 * vault.deleted,
    others,
    // token, then (the one read that says so) GET or a page, recover, write
    chain: vault.deleted > 0 ? 4 : vault.changed + vault.created + vault.disabled > 0 ? 3 : 2,
    beforeFirstWrite: 2,
    beforeFirstOther: 1,
  };
}

/** `get '*'` over `n` enabled secrets: the token, the listing, a GET of each. */
export function getAllShape(n: number): RunShape {
  return {
    writes: 0,
    others: Math.max(1, Math.ceil(n / keyVaultService.pageSize)) + n,
    chain: 3,
    beforeFirstWrite: 0,
    beforeFirstOther: 1,
  };
}

/** `list` of `n` secrets: the token, then the pages, each waiting for the one before (nextLink). */
export function listShape(n: number): RunShape {
  const pages = Math.max(1, Math.ceil(n / keyVaultService.pageSize));
  return { writes: 0, others: pages, chain: 1 + pages, beforeFirstWrite: 0, beforeFirstOther: 1 };
}
