/**
 * Rotate mode: rotates each named credential at its source, tests the new one, then stores it
 * as the secret's new version, so that readers of the vault always hold one that works. One
 * `vault-name: PROVIDER` line a secret: `storage-account` (the other of an account's two keys),
 * `entra-application` (a new client secret of an application), `generate` (a fresh random value).
 * With `rotate-within`, only the secrets whose current version expires within that window. The
 * dry run reads the vault only, and says what would rotate and why.
 */
import { errorMessage } from "../../errors.ts";
import type { ResultRow } from "../../report/result.ts";
import { failure } from "../../vault/service-error.ts";
import type { Job } from "../job.ts";
import type { Mode } from "../mode.ts";
import {
  failedRow,
  readCurrent,
  rotateContext,
  rotatedTags,
  setting,
  tagsProblem,
  type Current,
  type RotateContext,
} from "./context.ts";
import { entraTarget, rotateEntra, type EntraTarget } from "./entra.ts";
import { rotateGenerated } from "./generate.ts";
import {
  optionProblem,
  parseRotateInputs,
  type RotateEntry,
  type RotateSettings,
} from "./inputs.ts";
import { otherKey } from "../../providers/storage-account.ts";
import { rotateStorage, storageTarget, type StorageTarget } from "./storage.ts";

export const rotateMode: Mode = {
  inputs: {
    "rotate-within": null,
    validity: null,
    "graph-url": null,
    "authority-host": null,
    "dry-run": "false",
  },
  role: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get and set); and, per provider, "Storage Account Key Operator Service Role" on the storage account, or Application.ReadWrite.OwnedBy and ownership of the application (see docs/rotate.md)`,
  parse(fields) {
    const settings = parseRotateInputs(fields);
    return { dryRun: settings.dryRun, run: (job) => runRotate(job, settings) };
  },
};

/**
 * The display name of the passwords this run adds: `aml-secrets <run>` (the platform's run, cut
 * to what a display name comfortably holds), else the time.
 */
function passwordName(job: Job, now: Date): string {
  const run = job.platform
    .runName?.()
    ?.replace(/[^\w ./#:-]/g, "")
    .slice(0, 80);
  return `aml-secrets ${run ? run : now.toISOString()}`;
}

async function runRotate(job: Job, settings: RotateSettings): Promise<ResultRow[]> {
  const ctx = rotateContext(job, settings, passwordName(job, new Date()));
  // One after another: each step of a rotation depends on the one before, and a source's
  // write budget (ARM's, Graph's) is far smaller than the vault's.
  const rows: ResultRow[] = [];
  for (const entry of settings.entries) rows.push(await rotateEntry(ctx, entry));
  return rows;
}

async function rotateEntry(ctx: RotateContext, entry: RotateEntry): Promise<ResultRow> {
  let current: Current;
  try {
    current = await readCurrent(ctx, entry.vaultName);
  } catch (e: unknown) {
    return failedRow(
      entry,
      `nothing was changed: ${failure(ctx.job, `reading secret ${entry.vaultName}`, e)}`,
    );
  }
  const target = targetOf(entry, current);
  if (typeof target === "string") return failedRow(entry, `nothing was changed: ${target}`);
  // A tag that says something wrong is an error, as the same option on the line would be.
  const days = setting(entry, current, "ValidityPeriodDays");
  const problem =
    (days !== undefined ? optionProblem("ValidityPeriodDays", days) : undefined) ??
    tagsProblem(plannedTags(entry, current, target));
  if (problem) return failedRow(entry, `nothing was changed: ${problem}`);
  const due = dueness(ctx, current);
  const base = { name: entry.vaultName, source: entry.provider };
  const version = current.version ? { version: current.version } : {};
  if (!due.due)
    return {
      ...base,
      ...version,
      action: ctx.settings.dryRun ? "skip" : "skipped",
      note: due.why,
      rotation: { provider: entry.provider },
    };
  if (ctx.settings.dryRun) {
    // The key a storage rotation would regenerate; a password's id is Graph's to give.
    const credential = target.storage ? { credential: otherKey(target.storage.held) } : {};
    return {
      ...base,
      ...version,
      action: "rotate",
      note: due.why,
      rotation: { provider: entry.provider, ...credential },
    };
  }
  try {
    if (target.storage) return await rotateStorage(ctx, entry, current, target.storage, due.why);
    if (target.entra) return await rotateEntra(ctx, entry, current, target.entra, due.why);
    return await rotateGenerated(ctx, entry, current, due.why);
  } catch (e: unknown) {
    return failedRow(entry, errorMessage(e));
  }
}

/** The new version's tags, with a stand-in of the right length for what the source will give. */
function plannedTags(
  entry: RotateEntry,
  current: Current,
  target: { storage?: StorageTarget; entra?: EntraTarget },
): Record<string, string> {
  if (target.storage)
    return rotatedTags(entry, current, otherKey(target.storage.held), target.storage.address);
  if (target.entra) {
    const guid = "00000000-0000-0000-0000-000000000000";
    return rotatedTags(entry, current, guid, guid);
  }
  return current.tags;
}

/** What the line and the tags say the provider rotates; or why they do not. */
function targetOf(
  entry: RotateEntry,
  current: Current,
): { storage?: StorageTarget; entra?: EntraTarget } | string {
  switch (entry.provider) {
    case "storage-account": {
      const storage = storageTarget(entry, current);
      return typeof storage === "string" ? storage : { storage };
    }
    case "entra-application": {
      const entra = entraTarget(entry, current);
      return typeof entra === "string" ? entra : { entra };
    }
    default:
      return {};
  }
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

/** Whether the current version is due for rotation, and why (for the dry run and the summary). */
export function dueness(ctx: RotateContext, current: Current): { due: boolean; why: string } {
  const within = ctx.settings.rotateWithinMs;
  if (!current.exists) return { due: true, why: "not in the vault yet" };
  const label = ctx.job.settings.label("rotate-within");
  if (within === undefined) return { due: true, why: `no ${label}: every named secret rotates` };
  const expires = current.expiresOn;
  if (!expires)
    return {
      due: false,
      why: `not due: the current version has no expiry (${label} rotates only what expires)`,
    };
  const left = expires.getTime() - ctx.now().getTime();
  if (left <= 0) return { due: true, why: `expired ${day(expires)}` };
  if (left <= within) return { due: true, why: `expires ${day(expires)}, within ${label}` };
  return { due: false, why: `not due: expires ${day(expires)}, after ${label}` };
}
