/**
 * The `storage-account` provider: the secret holds one of the account's two keys (tag
 * `CredentialId`), the account is its `ProviderAddress`. The *other* key, which no reader of
 * the vault holds, is regenerated, tested (ARM's listKeys gives it back, and the account's blob
 * endpoint accepts a request signed with it), and only then stored as the new version, with the
 * tags swapped. Readers of the current version keep a working key at every step: the key they
 * hold is not touched until the next rotation regenerates it, after they have read the new one.
 */
import { errorMessage } from "../../errors.ts";
import type { ResultRow } from "../../report/result.ts";
import {
  otherKey,
  StorageAccountKeys,
  storageAccountName,
  testStorageKey,
  type StorageKeyName,
} from "../../providers/storage-account.ts";
import { failure } from "../../vault/service-error.ts";
import {
  failedRow,
  rotatedRow,
  rotatedTags,
  setting,
  storeVersion,
  validityMs,
  type Current,
  type RotateContext,
} from "./context.ts";
import type { RotateEntry } from "./inputs.ts";

export interface StorageTarget {
  address: string;
  account: string;
  /** The key readers hold now. */
  held: StorageKeyName;
}

/** The account and the key readers hold, from the line or the tags; or why not. */
export function storageTarget(entry: RotateEntry, current: Current): StorageTarget | string {
  const address = setting(entry, current, "ProviderAddress");
  const credential = setting(entry, current, "CredentialId");
  const problems: string[] = [];
  const account = address === undefined ? undefined : storageAccountName(address);
  if (address === undefined)
    problems.push(
      "no ProviderAddress (the storage account's resource id) on the line or in the secret's tags",
    );
  else if (account === undefined)
    problems.push(
      `ProviderAddress \`${address}\` is not a storage account's resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/NAME)`,
    );
  const held = credential?.toLowerCase();
  if (held !== "key1" && held !== "key2")
    problems.push(
      credential === undefined
        ? current.exists
          ? "no CredentialId (key1 or key2: the key the secret holds) on the line or in the secret's tags"
          : "the vault holds no such secret yet and the line gives no CredentialId: say which key (key1 or key2) readers hold now, which is kept; the other is rotated"
        : `CredentialId \`${credential}\` must be key1 or key2`,
    );
  if (problems.length > 0 || !address || !account || (held !== "key1" && held !== "key2"))
    return problems.join("; ");
  return { address, account, held };
}

export async function rotateStorage(
  ctx: RotateContext,
  entry: RotateEntry,
  current: Current,
  target: StorageTarget,
  why: string,
): Promise<ResultRow> {
  const { job } = ctx;
  const name = entry.vaultName;
  const fresh = otherKey(target.held);
  const rotation = { provider: entry.provider, credential: fresh };
  const keys = new StorageAccountKeys(ctx.arm(), target.address, (v) => job.reporter.remember(v));
  const where = `${fresh} of storage account ${target.account}`;
  const unchanged = `readers keep ${target.held}, which is unchanged`;

  // Where the key is tested, asked first: an account that cannot be read is not changed.
  let blobEndpoint: string;
  try {
    blobEndpoint = await keys.blobEndpoint();
  } catch (e: unknown) {
    return failedRow(entry, `nothing was changed: ${errorMessage(e)}`, rotation);
  }
  let value: string;
  try {
    value = await keys.regenerate(fresh);
  } catch (e: unknown) {
    return failedRow(entry, `nothing was stored: ${errorMessage(e)}; ${unchanged}`, rotation);
  }
  try {
    if ((await keys.current(fresh)) !== value)
      throw new Error(`ARM's listKeys does not give back the ${fresh} that regenerateKey returned`);
    await testStorageKey({
      blobEndpoint,
      account: target.account,
      key: value,
      ...(job.connection.httpClient ? { httpClient: job.connection.httpClient } : {}),
      requestTimeoutMs: job.settings.requestTimeoutMs,
    });
  } catch (e: unknown) {
    return failedRow(
      entry,
      `nothing was stored: the regenerated ${where} failed its test: ${errorMessage(e)}; ${unchanged} (the new ${fresh} is in no reader's hands)`,
      rotation,
    );
  }

  const expiresOn = new Date(ctx.now().getTime() + validityMs(ctx, entry, current));
  const tags = rotatedTags(entry, current, fresh, target.address);
  try {
    const stored = await storeVersion(ctx, name, value, current, tags, expiresOn);
    return rotatedRow(entry, stored, rotation, why);
  } catch (e: unknown) {
    const message = `STORAGE KEY CHANGED BUT NOT STORED: ${where} was regenerated and tested, but ${failure(job, `storing it as a new version of secret ${name}`, e)}. Its new value was not stored or printed anywhere; ${unchanged} and still works. Run the rotation again once the vault takes writes: it regenerates ${fresh} again.`;
    job.reporter.error(message);
    return failedRow(entry, message, rotation);
  }
}
