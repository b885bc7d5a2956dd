/**
 * An Entra application's client secrets (Graph calls them passwords), the source of the
 * `entra-application` provider: read the application, add a password, remove one; and the test
 * of a new password, a client-credential token asked for with it.
 */
import { ClientSecretCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { VaultError } from "../errors.ts";
import type { Cloud } from "../platform.ts";
import { field } from "../vault/json.ts";
import { serviceSaid } from "../vault/service-error.ts";
import type { JsonService } from "../vault/json-service.ts";

/**
 * Microsoft Graph's root per cloud (learn.microsoft.com/graph/deployments, checked 2026-12): the
 * global service, US Government L4 (GCC High; L5 DoD is `dod-graph.microsoft.us`, give it as
 * `graph-url`), and the one 21Vianet operates in China.
 */
export const graphEndpoints: Record<string, string> = {
  AzureCloud: "https://graph.microsoft.com",
  AzureUSGovernment: "https://graph.microsoft.us",
  AzureChinaCloud: "https://microsoftgraph.chinacloudapi.cn",
};

/** Entra's authority per cloud, where a new password is tested. */
export const authorityHosts: Record<string, string> = {
  AzureCloud: "https://login.microsoftonline.com",
  AzureUSGovernment: "https://login.microsoftonline.us",
  AzureChinaCloud: "https://login.chinacloudapi.cn",
};

/** The Graph audience of `cloud` (the token's, wherever `graph-url` sends requests). */
export function graphAudience(cloud: Cloud): string | undefined {
  return graphEndpoints[cloud.name];
}

/** How the passwords aml-secrets adds are named, and how it finds them again. */
export const passwordNamePrefix = "aml-secrets";

export interface Password {
  keyId: string;
  displayName: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
}

export interface ApplicationState {
  /** The object id (what `applications/{id}` takes). */
  id: string;
  /** The client id. */
  appId: string;
  passwords: Password[];
}

/** `objectId` (applications/{id}) or `clientId` (applications(appId='…')). */
export type ApplicationRef = { objectId: string } | { clientId: string };

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return guid.test(text);
}

export function describeApplication(ref: ApplicationRef): string {
  return "objectId" in ref
    ? `application ${ref.objectId}`
    : `application (client id ${ref.clientId})`;
}

export class EntraApplication {
  constructor(
    private readonly graph: JsonService,
    private readonly ref: ApplicationRef,
    private readonly remember: (value: string) => void,
  ) {}

  private path(action?: string): string {
    const target =
      "objectId" in this.ref
        ? `applications/${encodeURIComponent(this.ref.objectId)}`
        : `applications(appId='${encodeURIComponent(this.ref.clientId)}')`;
    return `/v1.0/${target}${action ? `/${action}` : ""}`;
  }

  async read(): Promise<ApplicationState> {
    const what = `reading ${describeApplication(this.ref)}`;
    const body = await this.graph.send("GET", this.path(), what);
    const id = field(body, "id");
    const appId = field(body, "appId");
    if (typeof id !== "string" || typeof appId !== "string")
      throw new VaultError(`${what}: Microsoft Graph's answer has no id and appId`);
    const listed = field(body, "passwordCredentials");
    const passwords: Password[] = [];
    for (const p of Array.isArray(listed) ? listed : []) {
      const keyId = field(p, "keyId");
      if (typeof keyId !== "string") continue;
      const text = (name: string): string | null => {
        const v = field(p, name);
        return typeof v === "string" ? v : null;
      };
      passwords.push({
        keyId,
        displayName: text("displayName"),
        startDateTime: text("startDateTime"),
        endDateTime: text("endDateTime"),
      });
    }
    return { id, appId, passwords };
  }

  /** Adds a password; its secret text is remembered before anything else is done with it. */
  async addPassword(
    displayName: string,
    endDateTime: Date,
  ): Promise<{ keyId: string; secret: string; end: string }> {
    const what = `adding a password to ${describeApplication(this.ref)}`;
    const body = await this.graph.send("POST", this.path("addPassword"), what, {
      passwordCredential: { displayName, endDateTime: endDateTime.toISOString() },
    });
    const secret = field(body, "secretText");
    if (typeof secret === "string" && secret !== "") this.remember(secret);
    const keyId = field(body, "keyId");
    const end = field(body, "endDateTime");
    if (typeof secret !== "string" || secret === "" || typeof keyId !== "string")
      throw new VaultError(`${what}: Microsoft Graph's answer has no secretText and keyId`);
    return { keyId, secret, end: typeof end === "string" ? end : endDateTime.toISOString() };
  }

  async removePassword(keyId: string): Promise<void> {
    await this.graph.send(
      "POST",
      this.path("removePassword"),
      `removing password ${keyId} of ${describeApplication(this.ref)}`,
      { keyId },
    );
  }
}

/** The tenant a token was issued in (its `tid` claim), read, not verified: it only picks the authority path. */
export async function tenantOf(
  credential: TokenCredential,
  scope: string,
): Promise<string | undefined> {
  const token = await credential.getToken(scope);
  const payload = token?.token.split(".")[1];
  if (!payload) return undefined;
  try {
    const tid = field(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")), "tid");
    return typeof tid === "string" && isGuid(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Entra takes a new password a few seconds after Graph returned it (AADSTS7000215 until then):
 * the test is tried again after these delays before it counts as failed.
 */
export const passwordPropagationDelaysMs = [2_000, 4_000, 8_000, 16_000];

/**
 * Tests a new password: a client-credential token for `scope` with it. Throws a `VaultError`
 * with what Entra said (never the secret).
 */
export async function testPassword(options: {
  tenantId: string;
  clientId: string;
  secret: string;
  authorityHost: string;
  scope: string;
  httpClient?: HttpClient;
  sleep?: (ms: number) => Promise<void>;
}): Promise<void> {
  const publicAuthority = Object.values(authorityHosts).includes(
    options.authorityHost.replace(/\/+$/, ""),
  );
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let last: unknown;
  for (let attempt = 0; attempt <= passwordPropagationDelaysMs.length; attempt++) {
    if (attempt > 0) await sleep(passwordPropagationDelaysMs[attempt - 1] ?? 0);
    // A fresh credential each try: MSAL would otherwise remember the failure.
    const credential = new ClientSecretCredential(
      options.tenantId,
      options.clientId,
      options.secret,
      {
        authorityHost: options.authorityHost,
        disableInstanceDiscovery: !publicAuthority,
        ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      },
    );
    try {
      const token = await credential.getToken(options.scope);
      if (token?.token) return;
      last = new Error("no token");
    } catch (e: unknown) {
      last = e;
      // Only an unknown secret may be one Entra has not taken yet; anything else is an answer.
      if (!/AADSTS7000215/.test(serviceSaid(e))) break;
    }
  }
  throw new VaultError(
    `a client-credential token with the new password was refused: ${serviceSaid(last)}`,
  );
}
