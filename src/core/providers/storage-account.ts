/**
 * A storage account's two access keys, the source of the `storage-account` provider: ARM's
 * `regenerateKey` and `listKeys` on the account's resource id, the account's blob endpoint, and
 * the test of a key against that endpoint (a request signed with it by the Blob service's Shared
 * Key rules, which only a current key of the account passes).
 */
import { createHmac } from "node:crypto";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type HttpClient,
} from "@azure/core-rest-pipeline";
import { VaultError } from "../errors.ts";
import { field } from "../vault/json.ts";
import { createRequestGate } from "../vault/gate.ts";
import { serviceSaid } from "../vault/service-error.ts";
import type { JsonService } from "../vault/json-service.ts";

/**
 * Microsoft.Storage api-version: the newest the Storage resource provider's REST reference lists
 * as supported in every cloud (checked 2026-12); listKeys, regenerateKey and
 * `primaryEndpoints.blob` have kept one shape since 2016-01-01. No retirement is announced.
 */
export const storageApiVersion = "2025-06-01";

/** The Blob service version the key test signs for (Shared Key rules of 2009-09-19 and later). */
export const blobTestVersion = "2021-08-06";

export type StorageKeyName = "key1" | "key2";

export const storageKeyNames: readonly StorageKeyName[] = ["key1", "key2"];

/** The key a rotation regenerates: the one readers of the vault do not hold. */
export function otherKey(key: StorageKeyName): StorageKeyName {
  return key === "key1" ? "key2" : "key1";
}

/** A storage account's ARM resource id, as the rotation samples' `ProviderAddress` tag holds it. */
const accountIdPattern =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/([a-z0-9]{3,24})$/i;

/** The account's name, or undefined when `address` is not a storage account's resource id. */
export function storageAccountName(address: string): string | undefined {
  return accountIdPattern.exec(address)?.[1]?.toLowerCase();
}

export class StorageAccountKeys {
  readonly name: string;

  /**
   * `address` is the account's resource id (checked by `storageAccountName`); `remember` masks
   * a key value and teaches it to the redactor: every key an answer carries goes to it first.
   */
  constructor(
    private readonly arm: JsonService,
    readonly address: string,
    private readonly remember: (value: string) => void,
  ) {
    this.name = storageAccountName(address) ?? "";
  }

  private path(action?: string): string {
    const encoded = this.address
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/");
    return `${encoded}${action ? `/${action}` : ""}?api-version=${storageApiVersion}`;
  }

  /** Regenerates `keyName` and returns its new value (already remembered). */
  async regenerate(keyName: StorageKeyName): Promise<string> {
    const body = await this.arm.send(
      "POST",
      this.path("regenerateKey"),
      `regenerating ${keyName} of storage account ${this.name}`,
      { keyName },
    );
    return this.keyIn(body, keyName, "regenerateKey");
  }

  /** The current value of `keyName` as ARM's listKeys tells it (remembered). */
  async current(keyName: StorageKeyName): Promise<string> {
    const body = await this.arm.send(
      "POST",
      this.path("listKeys"),
      `listing the keys of storage account ${this.name}`,
    );
    return this.keyIn(body, keyName, "listKeys");
  }

  /** `properties.primaryEndpoints.blob` of the account: where a key is tested. */
  async blobEndpoint(): Promise<string> {
    const body = await this.arm.send("GET", this.path(), `reading storage account ${this.name}`);
    const blob = field(field(field(body, "properties"), "primaryEndpoints"), "blob");
    if (typeof blob !== "string" || !URL.canParse(blob) || new URL(blob).protocol !== "https:") {
      throw new VaultError(
        `storage account ${this.name} has no https blob endpoint in properties.primaryEndpoints.blob: its keys cannot be tested`,
      );
    }
    return blob;
  }

  /** Every key value of a `{keys: [{keyName, value}]}` answer is remembered; `keyName`'s returned. */
  private keyIn(body: unknown, keyName: StorageKeyName, operation: string): string {
    const keys = field(body, "keys");
    let found: string | undefined;
    for (const key of Array.isArray(keys) ? keys : []) {
      const value = field(key, "value");
      if (typeof value !== "string" || value === "") continue;
      this.remember(value);
      if (String(field(key, "keyName")).toLowerCase() === keyName) found = value;
    }
    if (found === undefined)
      throw new VaultError(
        `ARM's ${operation} answer for storage account ${this.name} has no ${keyName}`,
      );
    return found;
  }
}

/**
 * Tests `key` against the account's blob endpoint: `GET {blob}?comp=list` (List Containers)
 * signed with it. Only a current key of the account is accepted (403 AuthenticationFailed
 * otherwise). Throws a `VaultError` saying what the endpoint answered; the key is never sent,
 * only the signature of this one request.
 */
export async function testStorageKey(options: {
  blobEndpoint: string;
  account: string;
  key: string;
  httpClient?: HttpClient;
  requestTimeoutMs?: number;
  now?: () => Date;
}): Promise<void> {
  const url = new URL(options.blobEndpoint);
  url.search = "?comp=list";
  const client = options.httpClient ?? createDefaultHttpClient();
  const gate = createRequestGate({
    concurrency: 1,
    maxAttempts: 3,
    target: `the blob endpoint ${url.origin}`,
    ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  try {
    await gate.read(options.account, async (abortSignal) => {
      const date = (options.now?.() ?? new Date()).toUTCString();
      const headers = { "x-ms-date": date, "x-ms-version": blobTestVersion };
      const signature = signBlobRequest(options.account, options.key, "GET", url, headers);
      const request = createPipelineRequest({
        url: url.href,
        method: "GET",
        headers: createHttpHeaders({
          ...headers,
          authorization: `SharedKey ${options.account}:${signature}`,
        }),
        ...(abortSignal ? { abortSignal } : {}),
      });
      const response = await client.sendRequest(request);
      if (response.status >= 200 && response.status < 300) return response;
      throw new RestError(`the blob endpoint answered ${response.status}`, {
        statusCode: response.status,
        request,
        response,
      });
    });
  } catch (e: unknown) {
    const code = e instanceof RestError ? e.response?.headers.get("x-ms-error-code") : undefined;
    const status = e instanceof RestError ? e.statusCode : undefined;
    throw new VaultError(
      status !== undefined
        ? `the blob endpoint ${url.origin} refused a request signed with it (${status}${code ? ` ${code}` : ""})`
        : `the blob endpoint ${url.origin} did not answer: ${serviceSaid(e)}`,
      status,
      code ?? undefined,
    );
  }
}

/**
 * The Shared Key signature of a Blob request with no body (x-ms-version 2015-02-21 and later):
 * the verb, eleven empty standard headers (Content-Length of a bodiless request is signed
 * empty), the `x-ms-` headers sorted, and the canonicalized resource `/{account}{path}` with the
 * query's parameters, lower-cased and sorted, one a line.
 */
export function signBlobRequest(
  account: string,
  key: string,
  verb: string,
  url: URL,
  headers: Record<string, string>,
): string {
  const canonicalHeaders = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .filter(([name]) => name.startsWith("x-ms-"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join("");
  const parameters = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    const lower = name.toLowerCase();
    parameters.set(lower, [...(parameters.get(lower) ?? []), value]);
  }
  const query = [...parameters.keys()]
    .sort()
    .map((name) => `\n${name}:${(parameters.get(name) ?? []).sort().join(",")}`)
    .join("");
  const resource = `/${account}${url.pathname}${query}`;
  const stringToSign = `${verb}\n${"\n".repeat(11)}${canonicalHeaders}${resource}`;
  return createHmac("sha256", Buffer.from(key, "base64"))
    .update(stringToSign, "utf8")
    .digest("base64");
}
