/**
 * Storage accounts the emulator is told about (`--storage-account SUB/RG/NAME`), for the rotation
 * providers: their two access keys, and the three ARM operations on them that rotation uses
 * (`GET` the account, `POST listKeys`, `POST regenerateKey`), with the Storage resource provider's
 * shapes and errors. The blob endpoint that checks the keys is blob.ts. Not persisted by `--data`.
 */
import { randomBytes } from "node:crypto";
import type { Exchange } from "./http.ts";
import { parseJsonObject, sendError, sendJson } from "./http.ts";
import type { StorageAccountRef } from "./types.ts";

export interface StorageKey {
  keyName: "key1" | "key2";
  value: string;
  creationTime: Date;
}

export interface StorageAccount extends StorageAccountRef {
  created: Date;
  keys: [StorageKey, StorageKey];
}

/**
 * Microsoft.Storage/storageAccounts api-versions: the stable folders of azure-rest-api-specs
 * (specification/storage/resource-manager/Microsoft.Storage/stable, 2015-06-15 to 2026-09-01)
 * and the previews that the Storage RP REST reference lists as supported. ARM refuses any other.
 *
 * The one the core should use is `2025-06-01`: the newest version the Storage resource provider's
 * REST reference (learn.microsoft.com/rest/api/storagerp) lists as supported (checked 2026-12),
 * generally available in every cloud; listKeys / regenerateKey / the account's
 * `primaryEndpoints.blob` have kept one shape since 2016-01-01. Newer GA ones exist
 * (2025-08-01, the default of @azure/arm-storage 20; 2026-04-01, 2026-06-01, 2026-09-01, the
 * default of @azure/arm-storage 21) and are served too. No retirement of these is announced.
 */
export const storageApiVersions = [
  "2026-09-01",
  "2026-06-01",
  "2026-04-01",
  "2025-08-01",
  "2025-06-01",
  "2025-01-01",
  "2024-01-01",
  "2023-05-01",
  "2023-04-01",
  "2023-01-01",
  "2022-09-01",
  "2022-05-01",
  "2021-09-01",
  "2021-08-01",
  "2021-06-01",
  "2021-04-01",
  "2021-02-01",
  "2021-01-01",
  "2020-08-01-preview",
  "2019-06-01",
  "2019-04-01",
  "2018-11-01",
  "2018-07-01",
  "2018-03-01-preview",
  "2018-02-01",
  "2017-10-01",
  "2017-06-01",
  "2016-12-01",
  "2016-05-01",
  "2016-01-01",
  "2015-06-15",
  "2015-05-01-preview",
];

/** A storage account key as Azure makes them: 64 random bytes, base64 (88 characters). */
export function newStorageKey(): string {
  return randomBytes(64).toString("base64");
}

const eq = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.toLowerCase() === b.toLowerCase();

/** The accounts of one emulator. */
export class StorageAccounts {
  readonly all: StorageAccount[] = [];

  add(ref: StorageAccountRef): StorageAccount {
    if (!/^[a-z0-9]{3,24}$/.test(ref.name)) {
      throw new Error(
        `storage account name ${ref.name}: 3 to 24 lower-case letters and digits, as Azure requires`,
      );
    }
    const existing = this.find(ref.subscriptionId, ref.resourceGroup, ref.name);
    if (existing) return existing;
    if (this.byName(ref.name)) {
      throw new Error(`storage account name ${ref.name} is taken: names are global, as in Azure`);
    }
    const now = new Date();
    const account: StorageAccount = {
      ...ref,
      created: now,
      keys: [
        { keyName: "key1", value: newStorageKey(), creationTime: now },
        { keyName: "key2", value: newStorageKey(), creationTime: now },
      ],
    };
    this.all.push(account);
    return account;
  }

  find(sub: string, rg: string, name: string): StorageAccount | undefined {
    return this.all.find(
      (a) => eq(a.subscriptionId, sub) && eq(a.resourceGroup, rg) && eq(a.name, name),
    );
  }

  /** Account names are global in Azure (they are DNS names), so the blob endpoint finds by name. */
  byName(name: string): StorageAccount | undefined {
    return this.all.find((a) => a.name === name);
  }
}

export interface StorageArmContext {
  accounts: StorageAccounts;
  location: string;
  /** The blob endpoint of an account: `https://127.0.0.1:PORT/blob/{name}/`. */
  blobEndpoint(name: string): string;
  /** Answers 400 and returns true when the request's api-version is not one of `served`. */
  refusedApiVersion(
    ex: Exchange,
    version: string,
    served: readonly string[],
    type: string,
  ): boolean;
}

function accountId(a: StorageAccountRef): string {
  return `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.name}`;
}

function keysBody(a: StorageAccount): { keys: Record<string, string>[] } {
  return {
    keys: a.keys.map((k) => ({
      creationTime: k.creationTime.toISOString(),
      keyName: k.keyName,
      value: k.value,
      // The service answers upper case, though the specification's enum says "Full".
      permissions: "FULL",
    })),
  };
}

function accountBody(ctx: StorageArmContext, a: StorageAccount): Record<string, unknown> {
  return {
    sku: { name: "Standard_LRS", tier: "Standard" },
    kind: "StorageV2",
    id: accountId(a),
    name: a.name,
    type: "Microsoft.Storage/storageAccounts",
    location: ctx.location,
    tags: {},
    properties: {
      keyCreationTime: {
        key1: a.keys[0].creationTime.toISOString(),
        key2: a.keys[1].creationTime.toISOString(),
      },
      allowSharedKeyAccess: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      accessTier: "Hot",
      provisioningState: "Succeeded",
      creationTime: a.created.toISOString(),
      // Path-style, Azurite's way: the emulator is one server on 127.0.0.1.
      primaryEndpoints: { blob: ctx.blobEndpoint(a.name) },
      primaryLocation: ctx.location,
      statusOfPrimary: "available",
    },
  };
}

/**
 * `…/providers/Microsoft.Storage/storageAccounts/{name}[/listKeys|/regenerateKey]`, after the
 * caller checked the token, the subscription and the resource group. `action` is the segment
 * after the name, if any.
 */
export function handleStorageArm(
  ctx: StorageArmContext,
  ex: Exchange,
  ref: StorageAccountRef,
  action: string | undefined,
): void {
  const wanted = action === undefined ? "GET" : "POST";
  const known = action === undefined || eq(action, "listKeys") || eq(action, "regenerateKey");
  if (!known) {
    sendError(ex, 404, "NotFound", `The emulator does not serve ${ex.url.pathname}.`);
    return;
  }
  if (ex.method !== wanted) {
    sendError(
      ex,
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${ex.method}'.`,
    );
    return;
  }
  const version = ex.url.searchParams.get("api-version");
  if (!version) {
    sendError(
      ex,
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
    return;
  }
  if (ctx.refusedApiVersion(ex, version, storageApiVersions, "storageAccounts")) return;
  const account = ctx.accounts.find(ref.subscriptionId, ref.resourceGroup, ref.name);
  if (!account) {
    if (action === undefined) {
      // A GET of a resource that does not exist is answered by ARM itself.
      sendError(
        ex,
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.Storage/storageAccounts/${ref.name}' under resource group '${ref.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    } else {
      // An action is handed to the resource provider, which answers in its own words.
      sendError(
        ex,
        404,
        "StorageAccountNotFound",
        `The storage account ${ref.name} was not found.`,
      );
    }
    return;
  }
  if (action === undefined) {
    sendJson(ex, 200, accountBody(ctx, account));
    return;
  }
  if (eq(action, "listKeys")) {
    sendJson(ex, 200, keysBody(account));
    return;
  }
  const body = parseJsonObject(ex.body);
  const keyName = body?.keyName;
  const key =
    typeof keyName === "string" ? account.keys.find((k) => eq(k.keyName, keyName)) : undefined;
  if (!key) {
    sendError(
      ex,
      400,
      "InvalidValuesForRequestParameters",
      `Values for request parameters are invalid: keyName. The key name must be key1 or key2, got ${typeof keyName === "string" ? `'${keyName.slice(0, 40)}'` : "none"}.`,
    );
    return;
  }
  // Only the named key changes; the other stays valid (what makes two-key rotation work).
  key.value = newStorageKey();
  key.creationTime = new Date();
  sendJson(ex, 200, keysBody(account));
}
