/**
 * Set mode's plan: what each entry needs. A small mapping (`plannedFromGetsUpTo`, without
 * `prune`, `overwrite: changed`) from one GET of each name; any other from ONE listing of the vault (of which it keeps
 * only the mapped names' state, and with `prune` the owner's unmapped secrets), the
 * deleted-secrets listing only for a dry run with absent names (to show `recover`) or when the
 * entries that may be written are more than a window of the write budget holds, and a GET only
 * for names that exist and need their value compared (`overwrite: changed`).
 */
import type { KeyVaultSecret, SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { vaultKey } from "../../inputs/names.ts";
import type { InputLabel } from "../../platform.ts";
import { keyVaultBudgets, type RequestGate } from "../../vault/gate.ts";
import type { PlannedAction } from "../../report/result.ts";
import { failure, serviceError } from "../../vault/service-error.ts";
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
   * List soft-deleted secrets to plan `recover` (a dry run). An applied run does not need to:
   * the write of a deleted name answers 409 `ObjectIsDeletedButRecoverable`, and apply.ts
   * recovers it then (or fails it, naming recover-deleted), which costs nothing for the others.
   */
  listDeleted: boolean;
  /**
   * How many writes one window of the write budget holds (the gate's, by default). When the
   * entries that may be written (all but existing ones `overwrite: never` or a certificate
   * keeps) are more than that, writes bind: a PUT answered 409 `ObjectIsDeletedButRecoverable`
   * would spend a write of the budget for nothing, so the deleted secrets are listed before a
   * name the listing does not show is planned (that listing is from the others' budget).
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
   * Plans one entry: from the listing, a name it does not show at once, an existing one when
   * its GET answers (`overwrite: changed`); from GETs, when its GET answers. The caller plans
   * and writes through a bounded window.
   */
  plan(entry: SetEntry): Promise<PlannedEntry>;
  /**
   * The entries' indexes in the order to work on them: from the listing, the names it does not
   * show first (they are writes known without a request, so the write budget is used from the
   * start), then the others in the mapping's order; from GETs, the mapping's order.
   */
  order: number[];
  /**
   * With `prune`: the owner's secrets the mapping no longer names (`prune.ts`), by name;
   * undefined when the listing failed.
   */
  pruned?: SecretProperties[];
}

/**
 * What the plan keeps of a listed secret the mapping names: what `planOne` reads, not the
 * SDK's object (its dates, tags and ids for every secret of the vault would be held the whole run).
 */
interface Listed {
  version?: string;
  id?: string;
  enabled: boolean;
  /** Epoch ms. */
  expiresOn?: number;
  managed: boolean;
}

function listed(p: SecretProperties): Listed {
  const out: Listed = { enabled: p.enabled !== false, managed: p.managed === true };
  if (p.version) out.version = p.version;
  if (p.id) out.id = p.id;
  if (p.expiresOn) out.expiresOn = p.expiresOn.getTime();
  return out;
}

/**
 * The one rule between the two plans: a mapping of at most this many names, without `prune`
 * and with `overwrite: changed` (which reads every existing secret anyway), is planned from a GET of each name, all in the first round of requests; a larger one (or any
 * with `prune`, which needs every secret) from the listing, whose pages follow one another, one
 * round trip per 25 secrets of the vault. Measured at 20 ms (docs/design.md, "Choices"): a
 * mapping this small costs at most a few round trips more than the listing of the emptiest
 * vault, and saves one per 25 secrets of any other.
 */
export const plannedFromGetsUpTo = 32;

/** Says how to plan each entry and in which order: from GETs, or from the listing. */
export async function planSet(request: PlanRequest): Promise<SetPlan> {
  const { entries } = request;
  const small = entries.length <= (request.getsUpTo ?? plannedFromGetsUpTo);
  // Only `overwrite: changed` reads the existing secrets anyway: with `always` or `never` the
  // listing alone tells, and a GET per name would be the request per secret it saves.
  if (request.owner === undefined && request.overwrite === "changed" && small) {
    const now = (request.now ?? Date.now)();
    return {
      plan: (entry) => planFromGet(request, entry, now),
      order: entries.map((_, i) => i),
    };
  }
  return planFromListing(request);
}

/** Lists the vault, then says how to plan each entry and in which order. */
async function planFromListing(request: PlanRequest): Promise<SetPlan> {
  const { client, gate, entries } = request;
  const perWindow = request.writesPerWindow ?? keyVaultBudgets.writes.limit;
  const mapped = new Set(entries.map((e) => vaultKey(e.vaultName)));
  // Started beside the live listing when it may be needed (a dry run, or more entries than a
  // window of writes), so that it adds no round trip after it; its pages are few and cheap.
  const deletedSoon =
    request.listDeleted || entries.length > perWindow ? deletedNames(client, gate) : undefined;
  const existing = new Map<string, Listed>();
  const pruned: SecretProperties[] = [];
  try {
    await gate.read("*", async (abortSignal, progress) => {
      // A retried listing starts again from its first page.
      existing.clear();
      pruned.length = 0;
      for await (const p of client.listPropertiesOfSecrets({ abortSignal })) {
        progress?.();
        const key = vaultKey(p.name);
        if (mapped.has(key)) existing.set(key, listed(p));
        else if (request.owner !== undefined && pruneCandidate(p, request.owner)) pruned.push(p);
      }
    });
  } catch (e: unknown) {
    const why = failure(request, "listing the vault's secrets", e);
    return {
      plan: (entry) => Promise.resolve({ entry, action: "failed", error: why }),
      order: entries.map((_, i) => i),
    };
  }
  const absent: number[] = [];
  const present: number[] = [];
  entries.forEach((e, i) => (existing.has(vaultKey(e.vaultName)) ? present : absent).push(i));
  // Every entry that may be written counts: an existing one whose value turns out to differ
  // spends the budget as a new one does (mixed-2000: 200 new or deleted, 600 writes in all).
  const mayWrite = entries.filter((e) =>
    mayBeWritten(request, e, existing.get(vaultKey(e.vaultName))),
  ).length;
  const writesBind = mayWrite > perWindow;
  const deleted =
    (request.listDeleted || writesBind) && absent.length > 0
      ? await (deletedSoon ?? deletedNames(client, gate))
      : new Set<string>();
  const now = (request.now ?? Date.now)();
  return {
    plan: (entry) => {
      const key = vaultKey(entry.vaultName);
      const current = existing.get(key);
      return current
        ? planExisting(request, entry, current, now, () => getLatest(request, entry.vaultName))
        : Promise.resolve(planAbsent(request, entry, deleted.has(key)));
    },
    order: [...absent, ...present],
    pruned: pruned.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Whether the plan may write `entry`: all but an existing one left alone or refused. */
function mayBeWritten(request: PlanRequest, entry: SetEntry, current: Listed | undefined): boolean {
  if (!current) return true;
  if (current.managed) return false;
  return entry.source === "generate" || request.overwrite !== "never";
}

/**
 * Names of soft-deleted secrets. Listing them needs the `list` permission on deleted secrets,
 * which a write-only identity may lack: then every absent name is planned `create`, and a
 * deleted one is still found (and recovered) by the write's 409 `ObjectIsDeletedButRecoverable`.
 */
async function deletedNames(client: SecretClient, gate: RequestGate): Promise<Set<string>> {
  try {
    return await gate.read("*deleted", async (abortSignal, progress) => {
      const found = new Set<string>();
      for await (const d of client.listDeletedSecrets({ abortSignal })) {
        progress?.();
        found.add(vaultKey(d.name));
      }
      return found;
    });
  } catch {
    return new Set();
  }
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
  const known: PlannedEntry = { entry, action: "update" };
  if (current.version) known.version = current.version;
  if (current.id) known.id = current.id;
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
  try {
    const secret = await read();
    const same = secret.value === entry.value;
    const planned: PlannedEntry = { entry, action: same ? "unchanged" : "update" };
    if (secret.properties.version) planned.version = secret.properties.version;
    if (secret.properties.id) planned.id = secret.properties.id;
    return planned;
  } catch (e: unknown) {
    return {
      ...known,
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
      return planExisting(request, entry, { enabled: false, managed: false }, now, () =>
        getLatest(request, entry.vaultName),
      );
    return {
      entry,
      action: "failed",
      error: failure(request, `reading secret ${entry.vaultName} to plan it`, e),
    };
  }
  return planExisting(request, entry, listed(secret.properties), now, () =>
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
