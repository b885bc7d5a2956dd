/**
 * The Blob service of the emulator's storage accounts, path-style (Azurite's way, the emulator
 * being one server on 127.0.0.1): `https://127.0.0.1:PORT/blob/{account}/`. It serves only what a
 * rotation needs to test a key, and answers it only when `Authorization: SharedKey ACCOUNT:SIG`
 * verifies against one of the account's current keys:
 * - `GET ?comp=list` (List Containers: none),
 * - `GET ?restype=service&comp=properties` (Get Blob Service Properties),
 * - `GET|HEAD ?restype=account&comp=properties` (Get Account Information).
 *
 * The signature is checked by the Blob service's Shared Key rules for x-ms-version 2009-09-19 and
 * later. Its canonicalized resource is `/{account}{path as sent}` plus the sorted, lower-cased
 * query parameters: for this path-style URL that is `/{account}/blob/{account}/…`, which is what
 * `@azure/storage-blob`'s StorageSharedKeyCredential and Python's azure-storage-blob compute
 * (both prefix the account to the URL's whole path, as Azurite expects too).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { Exchange } from "./http.ts";
import type { StorageAccount, StorageAccounts } from "./storage.ts";

export const blobPrefix = "blob";

/** How far a request's date may be from the emulator's clock, as Azure Storage allows. */
const maxClockSkewMs = 15 * 60 * 1000;

export function isBlobPath(segments: string[]): boolean {
  return segments[0] === blobPrefix;
}

const xmlEntities: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
};

/** Text (and double-quoted attribute values) for XML; an apostrophe stays, as Azure writes it. */
function xmlEscape(text: string): string {
  return text.replace(/[<>&"]/g, (c) => xmlEntities[c] ?? c);
}

function send(
  ex: Exchange,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const requestId = randomUUID();
  ex.record.status = status;
  ex.res.writeHead(status, {
    ...(body ? { "content-type": "application/xml" } : {}),
    "content-length": ex.method === "HEAD" ? 0 : Buffer.byteLength(body),
    server: "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
    "x-ms-request-id": requestId,
    "x-ms-version": headerValue(ex, "x-ms-version") || "2026-04-06",
    date: new Date().toUTCString(),
    ...headers,
  });
  ex.res.end(ex.method === "HEAD" ? undefined : body);
}

/** Azure Storage's error: `<Error><Code>…</Code><Message>…</Message>…</Error>`, x-ms-error-code. */
function sendStorageError(
  ex: Exchange,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  const text = `${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}`;
  send(
    ex,
    status,
    `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(text)}</Message>${fields}</Error>`,
    { "x-ms-error-code": code, ...headers },
  );
}

const authFailedMessage =
  "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.";

function headerValue(ex: Exchange, name: string): string {
  const v = ex.req.headers[name];
  return Array.isArray(v) ? v.join(",") : (v ?? "");
}

/** The raw path and query of the request, as the client sent (and signed) them. */
function rawTarget(ex: Exchange): { path: string; query: string } {
  const raw = ex.req.url ?? "/";
  const q = raw.indexOf("?");
  return q < 0 ? { path: raw, query: "" } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The Shared Key string-to-sign of a Blob request (version 2009-09-19 and later):
 * VERB, the eleven standard headers, the canonicalized `x-ms-` headers, the canonicalized resource.
 */
export function stringToSign(ex: Exchange, account: string): string {
  const version = headerValue(ex, "x-ms-version");
  let contentLength = headerValue(ex, "content-length");
  // From 2015-02-21 a zero Content-Length is signed as the empty string.
  if (contentLength === "0" && version >= "2015-02-21") contentLength = "";
  const standard = [
    ex.method,
    headerValue(ex, "content-encoding"),
    headerValue(ex, "content-language"),
    contentLength,
    headerValue(ex, "content-md5"),
    headerValue(ex, "content-type"),
    headerValue(ex, "date"),
    headerValue(ex, "if-modified-since"),
    headerValue(ex, "if-match"),
    headerValue(ex, "if-none-match"),
    headerValue(ex, "if-unmodified-since"),
    headerValue(ex, "range"),
  ];
  const msHeaders = Object.keys(ex.req.headers)
    .filter((h) => h.startsWith("x-ms-"))
    .sort()
    .map((h) => `${h}:${headerValue(ex, h).trim()}\n`)
    .join("");
  const { path, query } = rawTarget(ex);
  const params = new Map<string, string[]>();
  for (const pair of query.split("&").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const name = decode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  const resource =
    `/${account}${path}` +
    [...params.keys()]
      .sort()
      .map((name) => `\n${name}:${(params.get(name) ?? []).sort().join(",")}`)
      .join("");
  return `${standard.join("\n")}\n${msHeaders}${resource}`;
}

/** base64(HMAC-SHA256(base64-decoded key, UTF-8 string-to-sign)). */
export function sharedKeySignature(key: string, text: string): string {
  return createHmac("sha256", Buffer.from(key, "base64")).update(text, "utf8").digest("base64");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Answers and returns false unless the request is signed with a current key of `account`. */
function authenticated(ex: Exchange, account: StorageAccount): boolean {
  const authorization = headerValue(ex, "authorization");
  if (!authorization) {
    sendStorageError(
      ex,
      401,
      "NoAuthenticationInformation",
      "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
    );
    return false;
  }
  const fail = (detail: string): false => {
    sendStorageError(ex, 403, "AuthenticationFailed", authFailedMessage, {
      AuthenticationErrorDetail: detail,
    });
    return false;
  };
  const match = /^SharedKey ([^:\s]+):(\S+)$/.exec(authorization);
  if (!match) return fail("The authorization header is not SharedKey ACCOUNT:SIGNATURE.");
  const [, claimed = "", signature = ""] = match;
  if (claimed !== account.name) {
    return fail(
      `The account being accessed ('${account.name}') does not match the account of the authorization header ('${claimed.slice(0, 24)}').`,
    );
  }
  if (!headerValue(ex, "x-ms-version")) {
    return fail("The x-ms-version header is required for Shared Key authorization.");
  }
  const dateText = headerValue(ex, "x-ms-date") || headerValue(ex, "date");
  const date = Date.parse(dateText);
  if (!dateText || Number.isNaN(date)) {
    return fail("The request has no valid x-ms-date or Date header.");
  }
  if (Math.abs(Date.now() - date) > maxClockSkewMs) {
    return fail(`Request date header too old: '${dateText.slice(0, 40)}'`);
  }
  const text = stringToSign(ex, account.name);
  if (account.keys.some((k) => sameText(sharedKeySignature(k.value, text), signature))) return true;
  return fail(
    `The MAC signature found in the HTTP request '${signature.slice(0, 64)}' is not the same as any computed signature. Server used following string to sign: '${text}'.`,
  );
}

export function handleBlob(accounts: StorageAccounts, ex: Exchange, origin: string): void {
  const [, name, ...rest] = ex.segments;
  const account = name === undefined ? undefined : accounts.byName(name);
  if (!account) {
    // In Azure an unknown account has no DNS name at all; here the emulator says so.
    sendStorageError(
      ex,
      400,
      "InvalidUri",
      `The emulator serves no storage account '${(name ?? "").slice(0, 24)}' (see --storage-account).`,
    );
    return;
  }
  // Azure authenticates before it looks at what is asked.
  if (!authenticated(ex, account)) return;
  const query = ex.url.searchParams;
  const comp = query.get("comp");
  const restype = query.get("restype");
  const serviceLevel = rest.length === 0;
  if (serviceLevel && ex.method === "GET" && comp === "list" && restype === null) {
    const endpoint = `${origin}/${blobPrefix}/${account.name}/`;
    send(
      ex,
      200,
      `\uFEFF<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${xmlEscape(endpoint)}"><Containers /><NextMarker /></EnumerationResults>`,
    );
    return;
  }
  if (serviceLevel && ex.method === "GET" && comp === "properties" && restype === "service") {
    const disabled = "<RetentionPolicy><Enabled>false</Enabled></RetentionPolicy>";
    send(
      ex,
      200,
      `\uFEFF<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties>` +
        `<Logging><Version>1.0</Version><Read>false</Read><Write>false</Write><Delete>false</Delete>${disabled}</Logging>` +
        `<HourMetrics><Version>1.0</Version><Enabled>false</Enabled>${disabled}</HourMetrics>` +
        `<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled>${disabled}</MinuteMetrics>` +
        `<Cors /><DeleteRetentionPolicy><Enabled>false</Enabled></DeleteRetentionPolicy>` +
        `<StaticWebsite><Enabled>false</Enabled></StaticWebsite></StorageServiceProperties>`,
    );
    return;
  }
  if (
    (ex.method === "GET" || ex.method === "HEAD") &&
    comp === "properties" &&
    restype === "account"
  ) {
    send(ex, 200, "", {
      "x-ms-sku-name": "Standard_LRS",
      "x-ms-account-kind": "StorageV2",
      "x-ms-is-hns-enabled": "false",
    });
    return;
  }
  sendStorageError(
    ex,
    400,
    "UnsupportedQueryParameter",
    "The emulator's Blob service answers List Containers, Get Blob Service Properties and Get Account Information only.",
  );
}
