/**
 * Set mode's writes: one planned entry carried out through the request gate (recovered first
 * when it was deleted, older versions disabled after when asked). A failure becomes that
 * entry's `failed` row; the others go on.
 */
import type { SecretClient, SetSecretOptions } from "@azure/keyvault-secrets";
import { deletedError, type PlannedEntry, type SetEntry } from "./plan.ts";
import type { InputLabel } from "../../platform.ts";
import type { RequestGate } from "../../vault/gate.ts";
import type { ResultRow } from "../../report/result.ts";
import { failure, serviceError } from "../../vault/service-error.ts";
import { startRecovery } from "../../vault/recover.ts";
import { disableOlderVersions } from "../../vault/versions.ts";

export interface WriteOptions {
  contentType?: string;
  tags?: Record<string, string>;
  expiresInMs?: number;
  notBeforeInMs?: number;
  recoverDeleted: boolean;
  disablePreviousVersions: boolean;
}

export interface ApplyRequest {
  client: SecretClient;
  gate: RequestGate;
  options: WriteOptions;
  /** What to check when the vault refuses (401 / 403): the connection's hint. */
  hint: string;
  /** The platform's spelling of inputs, for messages. */
  label: InputLabel;
  now?: () => number;
}

function row(planned: PlannedEntry, action: ResultRow["action"]): ResultRow {
  const out: ResultRow = { name: planned.entry.vaultName, source: planned.entry.source, action };
  if (planned.version) out.version = planned.version;
  if (planned.id) out.id = planned.id;
  return out;
}

/** Carries out one entry's plan: its row of the result. */
export async function applyPlanned(
  request: ApplyRequest,
  planned: PlannedEntry,
): Promise<ResultRow> {
  const { entry } = planned;
  switch (planned.action) {
    case "failed":
      return { ...row(planned, "failed"), error: planned.error ?? "failed" };
    case "unchanged":
      return row(planned, "unchanged");
    case "skip":
      return row(planned, "skipped");
    default:
      break;
  }
  let action: "created" | "updated" | "recovered" =
    planned.action === "recover"
      ? "recovered"
      : planned.action === "create"
        ? "created"
        : "updated";
  let written: { version?: string; id?: string };
  try {
    if (action === "recovered") await recover(request, entry.vaultName);
    try {
      written = await write(request, entry);
    } catch (e: unknown) {
      // Deleted since the plan's listing (or not listable): recover it, then write.
      if (serviceError(e).innerCode !== "ObjectIsDeletedButRecoverable") throw e;
      if (!request.options.recoverDeleted)
        return {
          ...row(planned, "failed"),
          error: deletedError(entry.vaultName, request.label("recover-deleted")),
        };
      await recover(request, entry.vaultName);
      action = "recovered";
      written = await write(request, entry);
    }
  } catch (e: unknown) {
    return {
      ...row(planned, "failed"),
      error: failure(request, `setting secret ${entry.vaultName}`, e),
    };
  }
  const done: ResultRow = { name: entry.vaultName, source: entry.source, action };
  if (written.version) done.version = written.version;
  if (written.id) done.id = written.id;
  if (request.options.disablePreviousVersions && action !== "created" && written.version) {
    try {
      const disabled = await disableOlderVersions(
        request.client,
        request.gate,
        entry.vaultName,
        written.version,
      );
      if (disabled > 0) done.disabledVersions = disabled;
    } catch (e: unknown) {
      return {
        ...done,
        action: "failed",
        error: `${entry.vaultName}: the new version ${written.version} was written, but ${failure(request, "disabling older versions", e)}`,
      };
    }
  }
  return done;
}

async function write(
  request: ApplyRequest,
  entry: SetEntry,
): Promise<{ version?: string; id?: string }> {
  const { options } = request;
  const now = (request.now ?? Date.now)();
  const setOptions: SetSecretOptions = {
    ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
    ...(options.expiresInMs !== undefined
      ? { expiresOn: new Date(now + options.expiresInMs) }
      : {}),
    ...(options.notBeforeInMs !== undefined
      ? { notBefore: new Date(now + options.notBeforeInMs) }
      : {}),
  };
  const secret = await request.gate.write(entry.vaultName, (abortSignal) =>
    request.client.setSecret(entry.vaultName, entry.value, { ...setOptions, abortSignal }),
  );
  const out: { version?: string; id?: string } = {};
  if (secret.properties.version) out.version = secret.properties.version;
  if (secret.properties.id) out.id = secret.properties.id;
  return out;
}

/**
 * Starts the recovery and returns: the write that follows meets 409 `ObjectIsBeingRecovered`
 * until the service is done, which the gate retries (the SDK's poller would send two GETs more
 * and sleep 2 s a poll).
 */
async function recover(request: ApplyRequest, name: string): Promise<void> {
  let tries = 0;
  await request.gate.write(name, async (abortSignal) => {
    tries += 1;
    try {
      await startRecovery(request.client, name, { abortSignal });
    } catch (e: unknown) {
      // A try again (after a timeout or a dropped answer) of a POST the service had accepted:
      // nothing is deleted any more, so it answers 404. The write that follows says how it went.
      if (tries > 1 && serviceError(e).status === 404) return;
      throw e;
    }
  });
}
