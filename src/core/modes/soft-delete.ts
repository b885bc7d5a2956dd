/**
 * Soft-deleting one secret and waiting until the vault shows it deleted: delete mode's work, and
 * set mode's `prune`.
 */
import type { DeletedSecret, SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import type { ResultRow } from "../report/result.ts";
import { realClock, type Clock, type RequestGate } from "../vault/gate.ts";
import { failure, serviceError } from "../vault/service-error.ts";

/** A dry run's `delete` row for a secret the listing shows. */
export function plannedDelete(current: SecretProperties, source: string): ResultRow {
  const row: ResultRow = { name: current.name, source, action: "delete" };
  if (current.version) row.version = current.version;
  if (current.id) row.id = current.id;
  return row;
}

export interface DeleteRequest {
  client: SecretClient;
  gate: RequestGate;
  /** What to check when the vault refuses (401 / 403): the connection's hint and the role. */
  hint: string;
  clock?: Clock;
}

/**
 * How long the step waits for the vault to finish a delete it accepted. Key Vault takes seconds
 * (the SDK's recordings show 5 to 15); until it is done the name is neither live nor listed as
 * deleted, and a write of it is refused (409 `ObjectIsBeingDeleted`).
 */
const completionTimeoutMs = 120_000;
const pollDelaysMs = [250, 500, 1_000, 2_000];

/**
 * Soft-deletes one secret and waits until the vault shows it deleted, so that what follows (a
 * re-run, a later set of the same name, a listing) never meets a delete in progress. Its row:
 * `deleted` (with the version deleted), `absent` (404: nothing to delete) or `failed`.
 */
export async function deleteSecret(
  request: DeleteRequest,
  name: string,
  source: string,
): Promise<ResultRow> {
  let started: Awaited<ReturnType<typeof startDelete>>;
  try {
    started = await request.gate.write(name, (abortSignal) =>
      startDelete(request.client, name, abortSignal),
    );
  } catch (e: unknown) {
    const error = isManaged(e)
      ? managedError(name)
      : failure(request, `deleting secret ${name}`, e);
    return { name, source, action: "failed", error };
  }
  if (!started) return { name, source, action: "absent" };
  let { deleted } = started;
  let note: string | undefined;
  if (!started.done) {
    try {
      const waited = await waitDeleted(request, name);
      if (waited === "timeout")
        note = `the vault accepted the delete; it was not complete after ${completionTimeoutMs / 1000} s`;
      else deleted = waited ?? deleted;
    } catch (e: unknown) {
      note = `the vault accepted the delete, but ${failure(request, "confirming it", e)}`;
    }
  }
  const row: ResultRow = { name, source, action: "deleted" };
  if (deleted?.properties.version) row.version = deleted.properties.version;
  if (deleted?.properties.id) row.id = deleted.properties.id;
  const purge = deleted?.scheduledPurgeDate;
  note ??= purge ? `recoverable until ${purge.toISOString()}` : undefined;
  return note === undefined ? row : { ...row, note };
}

/**
 * Sends the delete (the SDK's poller sends the DELETE, then one GET of the deleted secret);
 * undefined when the vault does not hold the name. Once the DELETE is accepted, a failure of
 * the GET that follows is not the delete's: retrying would send the DELETE again, which the
 * vault answers 404, and the secret would show as `absent`. `done` says whether the GET found
 * the deletion complete.
 */
async function startDelete(
  client: SecretClient,
  name: string,
  abortSignal?: AbortSignal,
): Promise<{ deleted?: DeletedSecret; done: boolean } | undefined> {
  let accepted = false;
  try {
    const poller = await client.beginDeleteSecret(name, {
      abortSignal,
      onResponse: (response) => {
        if (response.request.method === "DELETE" && response.status >= 200 && response.status < 300)
          accepted = true;
      },
    });
    return { deleted: poller.getResult(), done: poller.isDone() };
  } catch (e: unknown) {
    if (accepted) return { done: false };
    if (serviceError(e).status === 404) return undefined;
    throw e;
  }
}

/**
 * Polls the deleted secret (reads through the gate) until the vault shows it, or `timeout`
 * after `completionTimeoutMs`. A 403 ends the wait (undefined): the identity may delete but
 * not read deleted secrets, and the delete was accepted.
 */
async function waitDeleted(
  { client, gate, clock = realClock }: DeleteRequest,
  name: string,
): Promise<DeletedSecret | "timeout" | undefined> {
  const until = clock.now() + completionTimeoutMs;
  for (let poll = 0; clock.now() < until; poll += 1) {
    await clock.sleep(pollDelaysMs[Math.min(poll, pollDelaysMs.length - 1)] ?? 2_000);
    try {
      return await gate.read(name, (abortSignal) => client.getDeletedSecret(name, { abortSignal }));
    } catch (e: unknown) {
      const status = serviceError(e).status;
      if (status === 403) return undefined;
      if (status !== 404) throw e;
    }
  }
  return "timeout";
}

/** A certificate-backed secret: Key Vault refuses to delete it (403) apart from its certificate. */
function isManaged(e: unknown): boolean {
  const error = serviceError(e);
  return (
    error.status === 403 &&
    (error.innerCode === "SecretManagedByKeyVault" ||
      /managed by (a certificate|key vault)/i.test(error.untrusted))
  );
}

export function managedError(name: string): string {
  return `secret ${name} is backed by a Key Vault certificate and cannot be deleted on its own: delete the certificate instead`;
}
