/**
 * Set mode's plan: what each entry needs. A small mapping (`plannedFromGetsUpTo`, without
 * `prune`, `overwrite: changed`) from one GET of each name; any other from ONE listing of the
 * vault, planned as its pages arrive (of which it keeps only the mapped names' state, and with
 * `prune` the owner's unmapped secrets), the deleted-secrets listing beside it only for a dry
 * run (to show `recover`) or a mapping larger than a window of the write budget, and a GET only
 * for names that exist and need their value compared (`overwrite: changed`).
 */
import type { KeyVaultSecret, SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { vaultKey } from "../../inputs/names.ts";
import type { InputLabel } from "../../platform.ts";
import { keyVaultBudgets, type RequestGate } from "../../vault/gate.ts";
import { eachPage, listedOf, type Listed } from "../../vault/listing.ts";
import type { PlannedAction } from "../../report/result.ts";
import { failure, serviceError } from "../../vault/service-error.ts";
import { Feed } from "../window.ts";
import type { Overwrite } from "./inputs.ts";
import { pruneCandidate } from "./prune.ts";

/** One secret to write: from a pipeline variable, or generated (`generate`). */
export interface SetEntry {
  vaultName: string;
  /** The pipeline variable read, or `generate`. */
  source: string;
  value: string;
  /** `generate` entries: the secret output the new value is handed on as. */
  outputName?: string;
}

export interface PlannedEntry {
  entry: SetEntry;
  action: Exclude<PlannedAction, "delete"> | "failed";
  /** The version the vault holds now (unchanged / skip), when known. */
  version?: string;
  id?: string;
  error?: string;
}

export interface PlanRequest {
  client: SecretClient;
  gate: RequestGate;
  entries: SetEntry[];
  overwrite: Overwrite;
  recoverDeleted: boolean;
  /**
   * List soft-deleted secrets to plan `recover` (a dry run). An applied run needs to only when
   * writes may bind (`writesPerWindow`): else the write of a deleted name answers 409
   * `ObjectIsDeletedButRecoverable`, and apply.ts recovers it then (or fails it, naming
   * recover-deleted), which costs nothing for the others.
   */
  listDeleted: boolean;
  /**
   * How many writes one window of the write budget holds (the gate's, by default). A mapping
   * larger than that may make writes bind: a PUT answered 409 `ObjectIsDeletedButRecoverable`
   * would spend a write of the budget for nothing, so the deleted secrets are listed beside the
   * live listing (from the others' budget), and the soft-deleted names it shows are recovered
   * first.
   */
  writesPerWindow?: number;
  /** With `prune`: the owner whose unmapped secrets the plan collects while listing. */
  owner?: string;
  /** The largest mapping planned from GETs: `plannedFromGetsUpTo`, unless a test sets it. */
  getsUpTo?: number;
  /** What to check when the vault refuses a read (401 / 403): the connection's hint. */
  hint: string;
  /** The platform's spelling of inputs, for messages. */
  label: InputLabel;
  /** For expiry checks; Date.now by default. */
  now?: () => number;
}

export interface SetPlan {
  /**
   * Plans one entry: from the listings, once `order` has handed it on (a name the live listing
   * shows at once, or when its GET answers if `overwrite: changed` must compare its value; a
   * name it does not show once it is complete); from GETs, when its GET answers. The caller
   * plans and writes through a bounded window.
   */
  plan(entry: SetEntry): Promise<PlannedEntry>;
  /**
   * The entries' indexes in the order to work on them. From the listings, as their pages show
   * them, those planned without a request first (a write known at once: the write budget opens
   * before the values are compared); the names the live listing does not show once it is
   * complete. From GETs, the mapping's order.
   */
  order: Iterable<number> | AsyncIterable<number>;
  /**
   * With `prune`: the owner's secrets the mapping no longer names (`prune.ts`), by name, once
   * the listing is complete; none when it failed.
   */
  pruned: Promise<SecretProperties[]>;
}

/**
 * The one rule between the two plans: a mapping of at most this many names, without `prune`
 * and with `overwrite: changed` (which reads every existing secret anyway), is planned from a
 * GET of each name, all in the first round of requests; a larger one (or any with `prune`,
 * which needs every secret) from the listing, whose pages follow one another, one
 * round trip per 25 secrets of the vault. Measured at 20 ms (docs/design.md, "Choices"): a
 * mapping this small costs at most a few round trips more than the listing of the emptiest
 * vault, and saves one per 25 secrets of any other.
 */
export const plannedFromGetsUpTo = 32;

/** Says how to plan each entry and in which order: from GETs, or from the listing. */
export function planSet(request: PlanRequest): SetPlan {
  const { entries } = request;
  const small = entries.length <= (request.getsUpTo ?? plannedFromGetsUpTo);
  // Only `overwrite: changed` reads the existing secrets anyway: with `always` or `never` the
  // listing alone tells, and a GET per name would be the request per secret it saves.
  if (request.owner === undefined && request.overwrite === "changed" && small) {
    const now = (request.now ?? Date.now)();
    return {
      plan: (entry) => planFromGet(request, entry, now),
      order: entries.map((_, i) => i),
      pruned: Promise.resolve([]),
    };
  }
  return planFromListing(request);
}

/**
 * Plans from the listing as its pages arrive: a name a page shows exists, so its GET or write
 * goes while the next pages are fetched. A name the deleted listing shows is soft-deleted (Key
 * Vault holds a name live or deleted, never both), so it is recovered without waiting for the
 * live listing. Any other name is known absent only once the live listing is complete; if that
 * listing fails, those names fail with it, and the names already shown are still written.
 */
function planFromListing(request: PlanRequest): SetPlan {
  const { client, gate, entries } = request;
  const indexOf = new Map(entries.map((e, i) => [vaultKey(e.vaultName), i]));
  const existing = new Map<string, Listed>();
  const deleted = new Set<string>();
  const pruned: SecretProperties[] = [];
  const now = (request.now ?? Date.now)();
  const order = new Feed<number>();
  const fed = new Array<boolean>(entries.length).fill(false);
  const feed = (i: number, withoutRequest: boolean): void => {
    if (fed[i]) return;
    fed[i] = true;
    if (withoutRequest) order.pushFirst(i);
    else order.push(i);
  };
  const live = eachPage(
    gate,
    "*",
    (abortSignal) => client.listPropertiesOfSecrets({ abortSignal }),
    (page) => {
      for (const p of page) {
        const key = vaultKey(p.name);
        const i = indexOf.get(key);
        if (i === undefined) {
          if (request.owner !== undefined && pruneCandidate(p, request.owner)) pruned.push(p);
          continue;
        }
        const current = listedOf(p);
        existing.set(key, current);
        feed(i, planWithoutValue(request, entries[i] as SetEntry, current, now) !== undefined);
      }
    },
  ).then(
    () => undefined,
    (e: unknown) => failure(request, "listing the vault's secrets", e),
  );
  // Handed on once complete, not page by page: a recover takes its name off the deleted
  // listing, and a listing that pages by offset would then skip as many of the next names.
  const deletedListed = deletedNames(request).then((names) => {
    for (const key of names) {
      const i = indexOf.get(key);
      if (i === undefined || existing.has(key)) continue;
      deleted.add(key);
      feed(i, true);
    }
  });
  /** Once both listings are over: why the live one failed, if it did. */
  const complete = Promise.all([live, deletedListed]).then(([error]) => {
    // The names neither listing showed: created (or failed with the listing), no request.
    for (let i = 0; i < entries.length; i += 1) feed(i, true);
    order.close();
    return error;
  });
  return {
    plan: async (entry) => {
      const key = vaultKey(entry.vaultName);
      const error = existing.has(key) || deleted.has(key) ? undefined : await complete;
      const current = existing.get(key);
      if (current)
        return planExisting(request, entry, current, now, () =>
          getLatest(request, entry.vaultName),
        );
      if (deleted.has(key)) return planAbsent(request, entry, true);
      if (error !== undefined) return { entry, action: "failed", error };
      return planAbsent(request, entry, false);
    },
    order,
    pruned: complete.then((error) =>
      error === undefined ? pruned.sort((a, b) => a.name.localeCompare(b.name)) : [],
    ),
  };
}

/**
 * The names (vault keys) of the soft-deleted secrets, when listing them pays: for a dry run, or
 * a mapping larger than a window of the write budget (`writesPerWindow`); else none. Listing
 * them needs the `list` permission on deleted secrets, which a write-only identity may lack:
 * then (or for the names after a page that failed) a deleted name is still found, and
 * recovered, by its write's 409 `ObjectIsDeletedButRecoverable`.
 */
async function deletedNames(request: PlanRequest): Promise<Set<string>> {
  const found = new Set<string>();
  const perWindow = request.writesPerWindow ?? keyVaultBudgets.writes.limit;
  if (!request.listDeleted && request.entries.length <= perWindow) return found;
  try {
    await eachPage(
      request.gate,
      "*deleted",
      (abortSignal) => request.client.listDeletedSecrets({ abortSignal }),
      (page) => {
        for (const d of page) found.add(vaultKey(d.name));
      },
    );
  } catch {
    // The names shown so far are deleted all the same.
  }
  return found;
}

/** A name the vault does not hold live: created, or recovered when it is soft-deleted. */
function planAbsent(request: PlanRequest, entry: SetEntry, isDeleted: boolean): PlannedEntry {
  if (!isDeleted) return { entry, action: "create" };
  if (request.recoverDeleted) return { entry, action: "recover" };
  return {
    entry,
    action: "failed",
    error: deletedError(entry.vaultName, request.label("recover-deleted")),
  };
}

/**
 * The plan of a name the vault holds when it is known without reading the value; undefined
 * when the value must be compared (`overwrite: changed`, a current version enabled and live).
 */
function planWithoutValue(
  request: PlanRequest,
  entry: SetEntry,
  current: Listed,
  now: number,
): PlannedEntry | undefined {
  const known = updateOf(entry, current);
  if (current.managed) {
    return {
      ...known,
      action: "failed",
      error: `secret ${entry.vaultName} is backed by a Key Vault certificate and cannot be set; import a new certificate version instead, or choose another name`,
    };
  }
  // A generated value is written every run: rotation is the point of it.
  if (entry.source === "generate") return known;
  if (request.overwrite === "never") return { ...known, action: "skip" };
  if (request.overwrite === "always") return known;
  // A disabled current version cannot be read (403 SecretDisabled), and nobody can use it:
  // the pipeline's value is written as a new, enabled version. So is an expired one.
  if (!current.enabled) return known;
  if (current.expiresOn !== undefined && current.expiresOn <= now) return known;
  return undefined;
}

/** An update of `entry`, with the version and id the vault holds now. */
function updateOf(entry: SetEntry, current: Listed): PlannedEntry {
  const known: PlannedEntry = { entry, action: "update" };
  if (current.version) known.version = current.version;
  if (current.id) known.id = current.id;
  return known;
}

/**
 * A name the vault holds: `read` gives its current value when the plan must compare it (a GET
 * in the listing's plan, the GET already answered in the plan from GETs).
 */
async function planExisting(
  request: PlanRequest,
  entry: SetEntry,
  current: Listed,
  now: number,
  read: () => Promise<KeyVaultSecret>,
): Promise<PlannedEntry> {
  const known = planWithoutValue(request, entry, current, now);
  if (known) return known;
  try {
    const secret = await read();
    const same = secret.value === entry.value;
    const planned: PlannedEntry = { entry, action: same ? "unchanged" : "update" };
    if (secret.properties.version) planned.version = secret.properties.version;
    if (secret.properties.id) planned.id = secret.properties.id;
    return planned;
  } catch (e: unknown) {
    return {
      ...updateOf(entry, current),
      action: "failed",
      error: failure(request, `reading secret ${entry.vaultName} to compare its value`, e),
    };
  }
}

/** The current version of `name`, value included, through the gate. */
function getLatest(request: PlanRequest, name: string): Promise<KeyVaultSecret> {
  return request.gate.read(name, (abortSignal) => request.client.getSecret(name, { abortSignal }));
}

/**
 * The plan of one entry from its own GET: 404 is a name the vault does not hold live (a dry run
 * asks the deleted secrets about it, to show `recover`; an applied run learns it from the
 * write's 409), 403 `SecretDisabled` an existing secret whose current version is disabled.
 */
async function planFromGet(
  request: PlanRequest,
  entry: SetEntry,
  now: number,
): Promise<PlannedEntry> {
  let secret: KeyVaultSecret;
  try {
    secret = await getLatest(request, entry.vaultName);
  } catch (e: unknown) {
    const { status, innerCode } = serviceError(e);
    if (status === 404)
      return planAbsent(
        request,
        entry,
        request.listDeleted && (await isDeleted(request, entry.vaultName)),
      );
    if (status === 403 && innerCode === "SecretDisabled")
      // Written without its value: planExisting does not read a disabled version.
      return planExisting(
        request,
        entry,
        { name: entry.vaultName, enabled: false, managed: false },
        now,
        () => getLatest(request, entry.vaultName),
      );
    return {
      entry,
      action: "failed",
      error: failure(request, `reading secret ${entry.vaultName} to plan it`, e),
    };
  }
  return planExisting(request, entry, listedOf(secret.properties), now, () =>
    Promise.resolve(secret),
  );
}

/** Whether `name` is soft-deleted (one GET); a refused or failed question counts as no. */
async function isDeleted(request: PlanRequest, name: string): Promise<boolean> {
  try {
    await request.gate.read(name, (abortSignal) =>
      request.client.getDeletedSecret(name, { abortSignal }),
    );
    return true;
  } catch {
    return false;
  }
}

/** `recoverDeleted` is how the platform spells the `recover-deleted` input. */
export function deletedError(vaultName: string, recoverDeleted: string): string {
  return `secret ${vaultName} is soft-deleted in the vault and recovering it is turned off (${recoverDeleted}): recover or purge it, or let aml-secrets recover it`;
}
