/**
 * Microsoft Graph `applications`, for the rotation of an Entra application's client secret, at
 * `https://127.0.0.1:PORT/graph` (point a client at it as at a sovereign cloud's Graph endpoint):
 * - `GET /v1.0/applications/{objectId}` and `GET /v1.0/applications(appId='{appId}')`, listing
 *   `passwordCredentials` without their secrets,
 * - `POST …/addPassword` `{"passwordCredential":{displayName?, startDateTime?, endDateTime?}}`
 *   -> 200 with `secretText` (the only time it is shown),
 * - `POST …/removePassword` `{"keyId"}` -> 204,
 * with Graph's error bodies. A request needs a token the emulator issued for Microsoft Graph.
 * The applications are those the emulator is told about (`--application CLIENT_ID`); their live
 * passwords are what the Entra stand-in (identity.ts) takes as client secrets for that client id.
 * Not persisted by `--data`.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Exchange } from "./http.ts";
import { bearerToken, parseJsonObject, sendJson } from "./http.ts";
import type { TokenIssuer } from "./tokens.ts";

export const graphPrefix = "graph";

interface Password {
  keyId: string;
  displayName: string | null;
  startDateTime: Date;
  endDateTime: Date;
  hint: string;
  secret: string;
}

export interface Application {
  /** The client id. */
  appId: string;
  /** The application object's id, which Graph addresses it by (not the client id). */
  id: string;
  displayName: string;
  createdDateTime: Date;
  passwords: Password[];
}

/** The object id the emulator gives an application: stable per client id, shaped like a GUID. */
export function applicationObjectId(appId: string): string {
  const h = createHash("sha256").update(`application:${appId.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Graph's audiences, one per cloud; the public cloud's is the scope `https://graph.microsoft.com/.default`. */
const graphAudiences = new Set([
  "https://graph.microsoft.com",
  "https://graph.microsoft.us",
  "https://dod-graph.microsoft.us",
  "https://microsoftgraph.chinacloudapi.cn",
  "00000003-0000-0000-c000-000000000000",
]);

/** Two years: what Graph gives a password added without an endDateTime. */
const defaultLifetimeMs = 2 * 365 * 24 * 3600 * 1000;

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~.-_";

/** A client secret shaped like Entra's: 40 characters, `xxx8Q~` then 34 more. */
function newClientSecret(): string {
  const pick = (n: number): string =>
    [...randomBytes(n)].map((b) => secretAlphabet[b % secretAlphabet.length]).join("");
  return `${pick(3)}8Q~${pick(34)}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The applications of one emulator. */
export class Applications {
  readonly all: Application[] = [];

  add(appId: string, displayName?: string): Application {
    const existing = this.byAppId(appId);
    if (existing) return existing;
    const app: Application = {
      appId,
      id: applicationObjectId(appId),
      displayName: displayName ?? `aml-secrets emulator application ${appId}`,
      createdDateTime: new Date(),
      passwords: [],
    };
    this.all.push(app);
    return app;
  }

  byAppId(appId: string): Application | undefined {
    return this.all.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  }

  byId(id: string): Application | undefined {
    return this.all.find((a) => a.id.toLowerCase() === id.toLowerCase());
  }

  /**
   * How a client secret for a registered application's client id fares: "valid" for a password
   * of it that is not removed and is between its start and end; "expired" for one past its end
   * (Entra's AADSTS7000222); "invalid" otherwise. `undefined`: not a registered application.
   */
  checkSecret(
    appId: string,
    secret: string,
    now = new Date(),
  ): "valid" | "expired" | "invalid" | undefined {
    const app = this.byAppId(appId);
    if (!app) return undefined;
    const password = app.passwords.find((p) => sameText(p.secret, secret));
    if (!password || now < password.startDateTime) return "invalid";
    return now < password.endDateTime ? "valid" : "expired";
  }
}

export interface GraphContext {
  applications: Applications;
  tokens: TokenIssuer;
  /** `https://127.0.0.1:PORT/graph`. */
  graphUrl: string;
}

export function isGraphPath(segments: string[]): boolean {
  return segments[0] === graphPrefix;
}

function graphError(ex: Exchange, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  sendJson(
    ex,
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ""),
          "request-id": requestId,
          "client-request-id": String(ex.req.headers["client-request-id"] ?? requestId),
        },
      },
    },
    { "request-id": requestId },
  );
}

function passwordJson(p: Password, withSecret: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: p.displayName,
    endDateTime: p.endDateTime.toISOString(),
    hint: p.hint,
    keyId: p.keyId,
    secretText: withSecret ? p.secret : null,
    startDateTime: p.startDateTime.toISOString(),
  };
}

function applicationJson(ctx: GraphContext, app: Application): Record<string, unknown> {
  return {
    "@odata.context": `${ctx.graphUrl}/v1.0/$metadata#applications/$entity`,
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    createdDateTime: app.createdDateTime.toISOString(),
    signInAudience: "AzureADMyOrg",
    keyCredentials: [],
    passwordCredentials: app.passwords.map((p) => passwordJson(p, false)),
  };
}

/** `applications(appId='…')`: Graph's alternate key. */
const alternateKey = /^applications\(appId='([^']*)'\)$/i;

export function handleGraph(ctx: GraphContext, ex: Exchange): void {
  const token = bearerToken(ex.req);
  if (!token) {
    graphError(ex, 401, "InvalidAuthenticationToken", "Access token is empty.");
    return;
  }
  const claims = ctx.tokens.verify(token);
  if (!claims || claims.typ !== "access") {
    graphError(
      ex,
      401,
      "InvalidAuthenticationToken",
      "IDX14100: JWT is not well formed, or it was not issued by this emulator, or it expired.",
    );
    return;
  }
  if (!graphAudiences.has(claims.aud)) {
    graphError(
      ex,
      401,
      "InvalidAuthenticationToken",
      "Access token validation failure. Invalid audience.",
    );
    return;
  }
  const [, version, target, action, ...rest] = ex.segments;
  if (version !== "v1.0" || target === undefined) {
    graphError(
      ex,
      400,
      "BadRequest",
      `Invalid version or resource: the emulator serves /v1.0/applications only.`,
    );
    return;
  }
  let app: Application | undefined;
  let op: string | undefined;
  let missing: string;
  const byAppId = alternateKey.exec(target);
  if (byAppId) {
    app = ctx.applications.byAppId(byAppId[1] ?? "");
    missing = `appId '${byAppId[1] ?? ""}'`;
    op = action;
    if (rest.length > 0) op = "?";
  } else if (target === "applications" && action !== undefined) {
    app = ctx.applications.byId(action);
    missing = `'${action}'`;
    op = rest[0];
    if (rest.length > 1) op = "?";
  } else {
    graphError(
      ex,
      400,
      "BadRequest",
      `Resource not found for the segment '${target.slice(0, 60)}'.`,
    );
    return;
  }
  if (op !== undefined && op !== "addPassword" && op !== "removePassword") {
    graphError(ex, 400, "BadRequest", `Resource not found for the segment '${op.slice(0, 60)}'.`);
    return;
  }
  const method = op === undefined ? "GET" : "POST";
  if (ex.method !== method) {
    graphError(
      ex,
      405,
      "Request_BadRequest",
      `The HTTP method '${ex.method}' is not allowed here: use ${method}.`,
    );
    return;
  }
  if (!app) {
    graphError(
      ex,
      404,
      "Request_ResourceNotFound",
      `Resource ${missing.slice(0, 80)} does not exist or one of its queried reference-property objects are not present.`,
    );
    return;
  }
  if (op === undefined) {
    sendJson(ex, 200, applicationJson(ctx, app));
    return;
  }
  const body = parseJsonObject(ex.body);
  if (!body) {
    graphError(ex, 400, "BadRequest", "Empty Payload. JSON content expected.");
    return;
  }
  if (op === "addPassword") return addPassword(ctx, ex, app, body);
  removePassword(ex, app, body);
}

function dateField(value: unknown): Date | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

function addPassword(
  ctx: GraphContext,
  ex: Exchange,
  app: Application,
  body: Record<string, unknown>,
): void {
  const given = body.passwordCredential ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    graphError(ex, 400, "Request_BadRequest", "passwordCredential must be an object.");
    return;
  }
  const fields = given as Record<string, unknown>;
  const start = dateField(fields.startDateTime);
  const end = dateField(fields.endDateTime);
  if (start === null || end === null) {
    graphError(
      ex,
      400,
      "Request_BadRequest",
      "Invalid value specified for property 'startDateTime' or 'endDateTime' of resource 'PasswordCredential'.",
    );
    return;
  }
  const startDateTime = start ?? new Date();
  const endDateTime = end ?? new Date(startDateTime.getTime() + defaultLifetimeMs);
  if (endDateTime <= startDateTime) {
    graphError(
      ex,
      400,
      "Request_BadRequest",
      "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential': it must be after startDateTime.",
    );
    return;
  }
  const displayName = typeof fields.displayName === "string" ? fields.displayName : null;
  const secret = newClientSecret();
  const password: Password = {
    keyId: randomUUID(),
    displayName,
    startDateTime,
    endDateTime,
    hint: secret.slice(0, 3),
    secret,
  };
  app.passwords.push(password);
  sendJson(ex, 200, {
    "@odata.context": `${ctx.graphUrl}/v1.0/$metadata#microsoft.graph.passwordCredential`,
    ...passwordJson(password, true),
  });
}

function removePassword(ex: Exchange, app: Application, body: Record<string, unknown>): void {
  const keyId = body.keyId;
  const index =
    typeof keyId === "string"
      ? app.passwords.findIndex((p) => p.keyId.toLowerCase() === keyId.toLowerCase())
      : -1;
  if (index < 0) {
    graphError(
      ex,
      400,
      "Request_BadRequest",
      `No password credential with keyId '${typeof keyId === "string" ? keyId.slice(0, 40) : ""}' exists on the application.`,
    );
    return;
  }
  app.passwords.splice(index, 1);
  ex.record.status = 204;
  ex.res.writeHead(204, { "request-id": randomUUID() });
  ex.res.end();
}
