/**
 * The Key Vault secrets data plane, as the real `@azure/keyvault-secrets` client uses it:
 * the 401 challenge, set, get (latest and by version), list, versions, update, delete (soft),
 * deleted secrets, recover, purge, backup and restore, with Key Vault's error bodies.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Exchange } from "./http.ts";
import { bearerToken, parseJsonObject, sendError, sendJson } from "./http.ts";
import type { Faults, PendingOperation } from "./faults.ts";
import { retentionDays, type SecretStore, type StoredSecret, type StoredVersion } from "./store.ts";
import { isVaultAudience, type TokenIssuer } from "./tokens.ts";

/**
 * The secrets api-versions Key Vault serves and the Azure SDKs of every language send: 2016-10-01
 * (the Python SDK still offers it), 7.0 to 7.6 with their previews, 2025-07-01 (what
 * @azure/keyvault-secrets 4.10+ sends) and 2026-04-01.
 */
export const supportedApiVersions = new Set([
  "2016-10-01",
  "7.0",
  "7.1-preview",
  "7.1",
  "7.2-preview",
  "7.2",
  "7.3-preview",
  "7.3",
  "7.4-preview.1",
  "7.4",
  "7.5-preview.1",
  "7.5",
  "7.6-preview.1",
  "7.6-preview.2",
  "7.6",
  "2025-07-01",
  "2026-04-01",
]);

/** Key Vault's limits. The value limit is documented as "25k bytes"; 25 KiB is the lenient reading. */
export const maxValueBytes = 25 * 1024;
export const maxTags = 15;
export const maxTagNameLength = 512;
export const maxTagValueLength = 256;
export const maxContentTypeLength = 255;
export const pageSize = 25;
const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
const versionPattern = /^[0-9a-fA-F]{32}$/;

export interface VaultContext {
  store: SecretStore;
  faults: Faults;
  tokens: TokenIssuer;
  vaultUrl: string;
  /** `Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"` */
  challenge: string;
  /** A key for backup blobs, so a backup is opaque like Key Vault's. */
  backupKey: Buffer;
}

/** Whether a path belongs to the vault plane, and which secret it names (lower-cased). */
export function vaultPath(segments: string[]): { secret?: string } | undefined {
  const [root, name, sub] = segments;
  if (root !== "secrets" && root !== "deletedsecrets") return undefined;
  if (
    name === undefined ||
    (root === "secrets" && name === "restore" && sub === undefined && segments.length === 2)
  ) {
    return {};
  }
  return { secret: name.toLowerCase() };
}

export function handleVault(ctx: VaultContext, ex: Exchange): void {
  const token = bearerToken(ex.req);
  if (!token) {
    // The SDK's first request carries no token and no body: it only wants this challenge.
    ex.record.kind = "challenge";
    sendError(
      ex,
      401,
      "Unauthorized",
      "AKV10000: Request is missing a Bearer or PoP token.",
      undefined,
      {
        "www-authenticate": ctx.challenge,
      },
    );
    return;
  }
  const claims = ctx.tokens.verify(token);
  if (!claims || claims.typ !== "access" || !isVaultAudience(claims.aud)) {
    const message = !claims
      ? "AKV10032: Invalid issuer or signature: the token was not issued by this emulator, or it expired."
      : `AKV10022: Invalid audience. Expected https://vault.azure.net, found: ${claims.aud}.`;
    sendError(ex, 401, "Unauthorized", message, undefined, { "www-authenticate": ctx.challenge });
    return;
  }
  const apiVersion = ex.url.searchParams.get("api-version");
  if (!apiVersion) {
    sendError(ex, 400, "BadParameter", "The api-version query parameter is required.");
    return;
  }
  if (!supportedApiVersions.has(apiVersion)) {
    sendError(
      ex,
      400,
      "BadParameter",
      `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
    );
    return;
  }
  const fault = ctx.faults.vaultFault(ex.record.kind === "secret-write", ex.record.secret, {
    method: ex.method,
    segments: ex.segments,
    ...(ex.req.socket.remoteAddress ? { clientAddress: ex.req.socket.remoteAddress } : {}),
    caller: claims,
  });
  if (fault) {
    ex.record.fault = fault.fault;
    sendError(ex, fault.status, fault.code, fault.message, fault.inner, fault.headers);
    return;
  }
  const pending = ex.record.secret === undefined ? undefined : ctx.faults.pending(ex.record.secret);
  if (pending && answerPending(ex, pending)) return;
  route(ctx, ex, apiVersion);
}

function route(ctx: VaultContext, ex: Exchange, apiVersion: string): void {
  const [root, name, third, ...rest] = ex.segments;
  const m = ex.method;
  if (rest.length > 0) return notFound(ex);
  if (root === "secrets") {
    if (name === undefined) return m === "GET" ? listSecrets(ctx, ex, apiVersion) : badMethod(ex);
    if (name === "restore" && third === undefined && m === "POST") return restoreSecret(ctx, ex);
    if (!validName(ex, name)) return;
    if (third === undefined) {
      if (m === "PUT") return setSecret(ctx, ex, name);
      if (m === "DELETE") return deleteSecret(ctx, ex, name);
      if (m === "GET") return getSecret(ctx, ex, name, "");
      if (m === "PATCH") return updateSecret(ctx, ex, name, "");
      return badMethod(ex);
    }
    if (third === "versions")
      return m === "GET" ? listVersions(ctx, ex, name, apiVersion) : badMethod(ex);
    if (third === "backup") return m === "POST" ? backupSecret(ctx, ex, name) : badMethod(ex);
    if (m === "GET") return getSecret(ctx, ex, name, third);
    if (m === "PATCH") return updateSecret(ctx, ex, name, third);
    return badMethod(ex);
  }
  if (name === undefined) return m === "GET" ? listDeleted(ctx, ex, apiVersion) : badMethod(ex);
  if (!validName(ex, name)) return;
  if (third === undefined) {
    if (m === "GET") return getDeleted(ctx, ex, name);
    if (m === "DELETE") return purgeSecret(ctx, ex, name);
    return badMethod(ex);
  }
  if (third === "recover" && m === "POST") return recoverSecret(ctx, ex, name);
  return notFound(ex);
}

/**
 * While Key Vault completes an accepted delete or recover, the secret is on neither side for a
 * reader (404: the SDK's pollers wait on it) and every write to it is refused with a transient
 * 409. Answers such a request and returns true; a read the store answers 404 anyway is left to it.
 */
function answerPending(ex: Exchange, operation: PendingOperation): boolean {
  const [root, name = ""] = ex.segments;
  const inner = operation === "deleting" ? "ObjectIsBeingDeleted" : "ObjectIsBeingRecovered";
  if (ex.method === "GET") {
    if (operation === "deleting" && root === "deletedsecrets") deletedNotFound(ex, name);
    else if (operation === "recovering" && root === "secrets") secretNotFound(ex, name);
    else return false;
  } else {
    sendError(
      ex,
      409,
      "Conflict",
      `Secret is currently being ${operation === "deleting" ? "deleted" : "recovered"}.`,
      inner,
    );
  }
  ex.record.fault = inner;
  return true;
}

// ---- answers ----------------------------------------------------------------------------

function validName(ex: Exchange, name: string): boolean {
  if (namePattern.test(name)) return true;
  sendError(
    ex,
    400,
    "BadParameter",
    `The request URI contains an invalid name: ${name.slice(0, 130)}. Names must match ^[0-9a-zA-Z-]{1,127}$.`,
  );
  return false;
}

function notFound(ex: Exchange): void {
  sendError(
    ex,
    404,
    "NotFound",
    `The requested path ${ex.url.pathname} does not exist in this emulator.`,
  );
}

function badMethod(ex: Exchange): void {
  sendError(
    ex,
    405,
    "MethodNotAllowed",
    `The method ${ex.method} is not allowed on ${ex.url.pathname}.`,
  );
}

function secretNotFound(ex: Exchange, name: string, version = ""): void {
  const what = version ? `${name}/${version}` : name;
  sendError(
    ex,
    404,
    "SecretNotFound",
    `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

function deletedNotFound(ex: Exchange, name: string): void {
  sendError(ex, 404, "SecretNotFound", `Deleted Secret not found: ${name}`);
}

function deletedButRecoverable(ex: Exchange, name: string): void {
  sendError(
    ex,
    409,
    "Conflict",
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    "ObjectIsDeletedButRecoverable",
  );
}

function managedForbidden(ex: Exchange, name: string, operation: string): void {
  sendError(
    ex,
    403,
    "Forbidden",
    `Operation ${operation} is not allowed on secret ${name}: it is managed by a certificate; change the certificate instead.`,
  );
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function attributes(v: StoredVersion): Record<string, unknown> {
  return {
    enabled: v.enabled,
    ...(v.notBefore !== undefined ? { nbf: seconds(v.notBefore) } : {}),
    ...(v.expires !== undefined ? { exp: seconds(v.expires) } : {}),
    created: seconds(v.created),
    updated: seconds(v.updated),
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: retentionDays,
  };
}

function latest(secret: StoredSecret): StoredVersion {
  const v = secret.versions.at(-1);
  if (!v) throw new Error(`secret ${secret.name} has no versions`);
  return v;
}

/** The SecretBundle of one version; the value only where Key Vault returns it (set, get). */
function bundle(
  ctx: VaultContext,
  secret: StoredSecret,
  v: StoredVersion,
  withValue: boolean,
): Record<string, unknown> {
  return {
    ...(withValue ? { value: v.value } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    id: `${ctx.vaultUrl}/secrets/${secret.name}/${v.version}`,
    attributes: attributes(v),
    ...(v.tags ? { tags: v.tags } : {}),
    ...(v.managed ? managedProps(ctx, secret, v) : {}),
  };
}

/**
 * A certificate-backed secret's extra fields: its key, and (since 7.6) the version of the
 * certificate before this one.
 */
function managedProps(
  ctx: VaultContext,
  secret: StoredSecret,
  v: StoredVersion,
): Record<string, unknown> {
  const index = secret.versions.indexOf(v);
  const previous = index > 0 ? secret.versions[index - 1] : undefined;
  return {
    kid: `${ctx.vaultUrl}/keys/${secret.name}/${v.version}`,
    managed: true,
    ...(previous ? { previousVersion: previous.version } : {}),
  };
}

function deletedProps(ctx: VaultContext, secret: StoredSecret): Record<string, unknown> {
  const d = secret.deleted;
  return d
    ? {
        recoveryId: `${ctx.vaultUrl}/deletedsecrets/${secret.name}`,
        deletedDate: seconds(d.deletedDate),
        scheduledPurgeDate: seconds(d.scheduledPurgeDate),
      }
    : {};
}

function item(
  ctx: VaultContext,
  secret: StoredSecret,
  v: StoredVersion,
  withVersion: boolean,
): Record<string, unknown> {
  return {
    id: withVersion
      ? `${ctx.vaultUrl}/secrets/${secret.name}/${v.version}`
      : `${ctx.vaultUrl}/secrets/${secret.name}`,
    attributes: attributes(v),
    ...(v.tags ? { tags: v.tags } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.managed ? { managed: true } : {}),
  };
}

/** One page of a listing, with a `nextLink` that carries the api-version like Key Vault's. */
function sendPage<T>(
  ex: Exchange,
  ctx: VaultContext,
  apiVersion: string,
  all: T[],
  toJson: (t: T) => unknown,
): void {
  const maxText = ex.url.searchParams.get("maxresults");
  const max = maxText === null ? pageSize : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > pageSize) {
    sendError(
      ex,
      400,
      "BadParameter",
      `Invalid value for maxresults: ${maxText}. It must be between 1 and ${pageSize}.`,
    );
    return;
  }
  const skip = decodeSkipToken(ex.url.searchParams.get("$skiptoken"));
  const page = all.slice(skip, skip + max);
  const more = skip + max < all.length;
  const next = more
    ? `${ctx.vaultUrl}${ex.url.pathname}?api-version=${apiVersion}&$skiptoken=${encodeSkipToken(skip + max)}&maxresults=${max}`
    : null;
  sendJson(ex, 200, { value: page.map(toJson), nextLink: next });
}

function encodeSkipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeSkipToken(token: string | null): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
    };
    return typeof parsed.offset === "number" && parsed.offset >= 0 ? parsed.offset : 0;
  } catch {
    return 0;
  }
}

// ---- operations ---------------------------------------------------------------------------

interface ParsedAttributes {
  enabled?: boolean;
  notBefore?: number | null;
  expires?: number | null;
}

/** Validates the parts of a set / update body shared by both; answers 400 and returns undefined when bad. */
function parseProps(
  ex: Exchange,
  body: Record<string, unknown>,
): { contentType?: string; tags?: Record<string, string>; attrs: ParsedAttributes } | undefined {
  const bad = (message: string): undefined => {
    sendError(ex, 400, "BadParameter", message);
    return undefined;
  };
  const out: { contentType?: string; tags?: Record<string, string>; attrs: ParsedAttributes } = {
    attrs: {},
  };
  if (body.contentType !== undefined && body.contentType !== null) {
    if (typeof body.contentType !== "string") return bad("Property contentType must be a string.");
    if (body.contentType.length > maxContentTypeLength) {
      return bad(`Property contentType is too long: at most ${maxContentTypeLength} characters.`);
    }
    out.contentType = body.contentType;
  }
  if (body.tags !== undefined && body.tags !== null) {
    if (typeof body.tags !== "object" || Array.isArray(body.tags))
      return bad("Property tags must be an object.");
    const tags = body.tags as Record<string, unknown>;
    const names = Object.keys(tags);
    if (names.length > maxTags)
      return bad(`Too many tags: ${names.length}. At most ${maxTags} tags are allowed.`);
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== "string") return bad(`Tag ${k} must have a string value.`);
      if (k.length > maxTagNameLength)
        return bad(
          `Tag name ${k.slice(0, 40)}… is too long: at most ${maxTagNameLength} characters.`,
        );
      if (v.length > maxTagValueLength)
        return bad(`The value of tag ${k} is too long: at most ${maxTagValueLength} characters.`);
    }
    out.tags = tags as Record<string, string>;
  }
  if (body.attributes !== undefined && body.attributes !== null) {
    if (typeof body.attributes !== "object" || Array.isArray(body.attributes))
      return bad("Property attributes must be an object.");
    const a = body.attributes as Record<string, unknown>;
    if (a.enabled !== undefined && a.enabled !== null) {
      if (typeof a.enabled !== "boolean") return bad("Attribute enabled must be a boolean.");
      out.attrs.enabled = a.enabled;
    }
    for (const [wire, key] of [
      ["nbf", "notBefore"],
      ["exp", "expires"],
    ] as const) {
      const t = a[wire];
      if (t === null) out.attrs[key] = null;
      else if (t !== undefined) {
        if (typeof t !== "number" || !Number.isFinite(t))
          return bad(`Attribute ${wire} must be a Unix time in seconds.`);
        out.attrs[key] = t * 1000;
      }
    }
  }
  return out;
}

function jsonBody(ex: Exchange): Record<string, unknown> | undefined {
  const body = parseJsonObject(ex.body);
  if (!body) sendError(ex, 400, "BadParameter", "The request body must be a JSON object.");
  return body;
}

function setSecret(ctx: VaultContext, ex: Exchange, name: string): void {
  const body = jsonBody(ex);
  if (!body) return;
  if (typeof body.value !== "string") {
    sendError(ex, 400, "BadParameter", "Property value is required and must be a string.");
    return;
  }
  if (Buffer.byteLength(body.value, "utf8") > maxValueBytes) {
    sendError(
      ex,
      400,
      "BadParameter",
      `The secret value is too large: at most ${maxValueBytes} bytes are allowed.`,
    );
    return;
  }
  const props = parseProps(ex, body);
  if (!props) return;
  const existing = ctx.store.find(name);
  if (existing?.deleted) return deletedButRecoverable(ex, name);
  if (existing && latest(existing).managed) return managedForbidden(ex, name, "set");
  const v = ctx.store.addVersion(name, body.value, {
    ...(props.attrs.enabled !== undefined ? { enabled: props.attrs.enabled } : {}),
    ...(typeof props.attrs.expires === "number" ? { expires: new Date(props.attrs.expires) } : {}),
    ...(typeof props.attrs.notBefore === "number"
      ? { notBefore: new Date(props.attrs.notBefore) }
      : {}),
    ...(props.contentType !== undefined ? { contentType: props.contentType } : {}),
    ...(props.tags ? { tags: props.tags } : {}),
  });
  const secret = ctx.store.live(name);
  if (!secret) throw new Error("a secret just written is missing");
  sendJson(ex, 200, bundle(ctx, secret, v, true));
}

function findVersion(
  ex: Exchange,
  secret: StoredSecret | undefined,
  name: string,
  version: string,
): StoredVersion | undefined {
  if (!secret) {
    secretNotFound(ex, name, version);
    return undefined;
  }
  if (!version) return latest(secret);
  const v = versionPattern.test(version)
    ? secret.versions.find((x) => x.version === version.toLowerCase())
    : undefined;
  if (!v) secretNotFound(ex, name, version);
  return v;
}

function getSecret(ctx: VaultContext, ex: Exchange, name: string, version: string): void {
  const secret = ctx.store.live(name);
  const v = findVersion(ex, secret, name, version);
  if (!secret || !v) return;
  if (!v.enabled) {
    sendError(
      ex,
      403,
      "Forbidden",
      "Operation get is not allowed on a disabled secret.",
      "SecretDisabled",
    );
    return;
  }
  sendJson(ex, 200, bundle(ctx, secret, v, true));
}

function updateSecret(ctx: VaultContext, ex: Exchange, name: string, version: string): void {
  const body = jsonBody(ex);
  if (!body) return;
  const props = parseProps(ex, body);
  if (!props) return;
  const secret = ctx.store.live(name);
  const v = findVersion(ex, secret, name, version);
  if (!secret || !v) return;
  if (v.managed) return managedForbidden(ex, name, "update");
  if (props.attrs.enabled !== undefined) v.enabled = props.attrs.enabled;
  if (props.attrs.expires === null) delete v.expires;
  else if (props.attrs.expires !== undefined) v.expires = props.attrs.expires;
  if (props.attrs.notBefore === null) delete v.notBefore;
  else if (props.attrs.notBefore !== undefined) v.notBefore = props.attrs.notBefore;
  if (props.contentType !== undefined) v.contentType = props.contentType;
  if (props.tags !== undefined) v.tags = props.tags;
  v.updated = Date.now();
  ctx.store.save();
  sendJson(ex, 200, bundle(ctx, secret, v, false));
}

/** Whether a listing shows the secret yet (not while its delete or recover completes). */
function settled(ctx: VaultContext, secret: StoredSecret): boolean {
  return ctx.faults.pending(secret.name.toLowerCase()) === undefined;
}

function listSecrets(ctx: VaultContext, ex: Exchange, apiVersion: string): void {
  const secrets = ctx.store.liveSecrets().filter((s) => settled(ctx, s));
  sendPage(ex, ctx, apiVersion, secrets, (s) => item(ctx, s, latest(s), false));
}

function listVersions(ctx: VaultContext, ex: Exchange, name: string, apiVersion: string): void {
  const secret = ctx.store.live(name);
  // Key Vault answers an empty listing, not 404, for a name it does not hold.
  const versions = secret ? secret.versions.map((v) => ({ secret, v })) : [];
  sendPage(ex, ctx, apiVersion, versions, ({ secret: s, v }) => item(ctx, s, v, true));
}

function deleteSecret(ctx: VaultContext, ex: Exchange, name: string): void {
  const live = ctx.store.live(name);
  if (!live) return secretNotFound(ex, name);
  if (latest(live).managed) return managedForbidden(ex, name, "delete");
  const secret = ctx.store.softDelete(name);
  if (!secret) return secretNotFound(ex, name);
  ctx.faults.deleted(name.toLowerCase());
  sendJson(ex, 200, {
    ...bundle(ctx, secret, latest(secret), false),
    ...deletedProps(ctx, secret),
  });
}

function getDeleted(ctx: VaultContext, ex: Exchange, name: string): void {
  const secret = ctx.store.find(name);
  if (!secret?.deleted) return deletedNotFound(ex, name);
  sendJson(ex, 200, {
    ...bundle(ctx, secret, latest(secret), false),
    ...deletedProps(ctx, secret),
  });
}

function listDeleted(ctx: VaultContext, ex: Exchange, apiVersion: string): void {
  const secrets = ctx.store.deletedSecrets().filter((s) => settled(ctx, s));
  sendPage(ex, ctx, apiVersion, secrets, (s) => ({
    ...item(ctx, s, latest(s), false),
    ...deletedProps(ctx, s),
  }));
}

function recoverSecret(ctx: VaultContext, ex: Exchange, name: string): void {
  const secret = ctx.store.recover(name);
  if (!secret) return deletedNotFound(ex, name);
  ctx.faults.recovered(name.toLowerCase());
  sendJson(ex, 200, bundle(ctx, secret, latest(secret), false));
}

function purgeSecret(ctx: VaultContext, ex: Exchange, name: string): void {
  if (!ctx.store.purge(name)) return deletedNotFound(ex, name);
  sendJson(ex, 204, undefined);
}

// Backups are the secret encrypted under the emulator's key: opaque, like Key Vault's.
function backupSecret(ctx: VaultContext, ex: Exchange, name: string): void {
  const secret = ctx.store.live(name);
  if (!secret) return secretNotFound(ex, name);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ctx.backupKey, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  const blob = Buffer.concat([iv, cipher.getAuthTag(), sealed]);
  sendJson(ex, 200, { value: blob.toString("base64url") });
}

function restoreSecret(ctx: VaultContext, ex: Exchange): void {
  const body = jsonBody(ex);
  if (!body) return;
  const secret = typeof body.value === "string" ? openBackup(ctx, body.value) : undefined;
  if (!secret) {
    // Key Vault's answer, code and message as recorded in the Azure SDK's tests.
    sendError(ex, 400, "Malformed backup blob", "Backup blob contains invalid or corrupt version.");
    return;
  }
  if (ctx.store.find(secret.name)) {
    sendError(
      ex,
      409,
      "Conflict",
      `There was a conflict restoring the secret ${secret.name}: a secret of that name already exists.`,
    );
    return;
  }
  ctx.store.restore(secret);
  sendJson(ex, 200, bundle(ctx, secret, latest(secret), false));
}

function openBackup(ctx: VaultContext, text: string): StoredSecret | undefined {
  try {
    const blob = Buffer.from(text, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", ctx.backupKey, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    const json = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString(
      "utf8",
    );
    return JSON.parse(json) as StoredSecret;
  } catch {
    return undefined;
  }
}
