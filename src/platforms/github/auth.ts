/**
 * Turns the action's auth inputs into one `TokenCredential`, the way a workflow author expects:
 * `client-id` + `tenant-id` + `client-secret` -> that secret; `client-id` + `tenant-id` alone ->
 * GitHub OIDC; neither -> the Azure CLI session `azure/login` left; `managed-identity` on request.
 * Building the credential makes no request: tokens are asked for when the core first needs one.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
} from "@azure/identity";
import { clouds, type CloudAuthority } from "../../core/vault/clouds.ts";
import { azureCliCredential } from "../azure-cli-credential.ts";
import { ValidationError, errorMessage, untrusted } from "../../core/errors.ts";
import {
  createNetworkClient,
  environmentProxyPassword,
  managedIdentityEndpoints,
} from "../../core/vault/network.ts";
import type { Cloud, Connection } from "../../core/platform.ts";

/** The inputs of action.yml that only the GitHub adapter reads. */
export type AuthInputName =
  | "auth"
  | "client-id"
  | "tenant-id"
  | "client-secret"
  | "cloud"
  | "audience"
  | "resource-manager-url"
  | "subscription-id";

export const authModes = [
  "auto",
  "oidc",
  "client-secret",
  "azure-cli",
  "managed-identity",
] as const;
export type AuthMode = (typeof authModes)[number];
type ResolvedMode = Exclude<AuthMode, "auto">;

/** What `connect()` needs from its surroundings, so it can be tested without a runner. */
export interface AuthContext {
  /** An input by name; undefined when not given. */
  input(name: AuthInputName): string | undefined;
  /** The step's environment (AZURE_AUTHORITY_HOST, ACTIONS_ID_TOKEN_REQUEST_URL, HTTPS_PROXY). */
  env: Record<string, string | undefined>;
  /** Registers a secret with the log masking. */
  mask(value: string): void;
  /** Asks GitHub for an OIDC token for the audience (`core.getIDToken`). */
  getIDToken(audience: string): Promise<string>;
}

/**
 * Thrown when a token cannot be had: names the path tried and what to fix. The token endpoint's
 * own words are in it only as a marker (errors.ts `untrusted`), so it never carries a secret.
 */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialError";
  }
}

// Entra tenant ids are GUIDs or domain names; identity refuses anything else at construction.
const tenantPattern = /^[0-9a-zA-Z.-]+$/;

/** The credential, cloud and subscription the inputs name; throws a ValidationError with every problem. */
export function connectGitHub(ctx: AuthContext): Connection & { secrets?: string[] } {
  // Mask the secrets before anything else, whatever happens next: the client secret, and the
  // password of a proxy URL in HTTPS_PROXY (the Azure SDK uses it; nothing prints it).
  const clientSecret = ctx.input("client-secret");
  const proxyPassword = environmentProxyPassword(ctx.env);
  const given = [clientSecret, proxyPassword].filter((s): s is string => !!s);
  for (const secret of given) ctx.mask(secret);
  const secrets = given.length > 0 ? given : undefined;

  const problems: string[] = [];
  const cloud = resolveCloud(ctx, problems);
  const resourceManagerUrl = resolveArmUrl(ctx, problems);
  const authorityHost = resolveAuthority(ctx, cloud.authorityHost, problems);
  const clientId = ctx.input("client-id");
  const tenantId = ctx.input("tenant-id");
  if (tenantId && !tenantPattern.test(tenantId)) {
    problems.push(`tenant-id '${tenantId}' is not a tenant id (a GUID or a domain name)`);
  }
  const mode = resolveMode(ctx, problems);
  if (mode) checkModeInputs(mode, ctx, problems);
  if (problems.length > 0 || !mode) throw new ValidationError(problems);

  // Every request, token requests included, goes through the one bounded transport (network.ts);
  // the managed-identity endpoint is never proxied.
  const httpClient = createNetworkClient({ identityEndpoints: managedIdentityEndpoints(ctx.env) });
  const identity = {
    httpClient,
    authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority; a private authority
    // (Azure Stack, the emulator) is unknown there, so it is trusted as given instead.
    disableInstanceDiscovery: !isPublicAuthority(authorityHost),
  };
  const subscriptionId = ctx.input("subscription-id");
  const made = makeCredential(mode, { ctx, clientId, tenantId, clientSecret, cloud, identity });
  const connection: Connection & { secrets?: string[] } = {
    credential: explainFailures(made.credential, made.describe, made.hint),
    httpClient,
    cloud: {
      name: cloud.name,
      resourceManager: cloud.resourceManager,
      vaultSuffix: cloud.vaultSuffix,
    },
    describe: made.describe,
    hint: made.hint,
  };
  if (resourceManagerUrl) connection.resourceManagerUrl = resourceManagerUrl;
  if (subscriptionId) connection.subscriptionId = subscriptionId;
  if (secrets) connection.secrets = secrets;
  return connection;
}

function resolveCloud(ctx: AuthContext, problems: string[]): Cloud & CloudAuthority {
  const given = ctx.input("cloud") ?? "AzureCloud";
  const known = Object.values(clouds).find((c) => c.name.toLowerCase() === given.toLowerCase());
  if (!known) problems.push(`cloud '${given}' is not one of ${Object.keys(clouds).join(", ")}`);
  return { ...(known ?? clouds.AzureCloud!) };
}

/**
 * `resource-manager-url` moves where ARM requests go (Azure Stack, a private endpoint, the
 * emulator); tokens stay for the cloud's ARM, whom Entra ID issues them for.
 */
function resolveArmUrl(ctx: AuthContext, problems: string[]): string | undefined {
  const given = ctx.input("resource-manager-url");
  if (!given) return undefined;
  if (!isHttpsUrl(given)) {
    problems.push(`resource-manager-url '${given}' must be an https URL`);
    return undefined;
  }
  return given.replace(/\/+$/, "");
}

/** The cloud's authority, unless AZURE_AUTHORITY_HOST overrides it (as @azure/identity itself allows). */
function resolveAuthority(ctx: AuthContext, cloudAuthority: string, problems: string[]): string {
  const override = ctx.env["AZURE_AUTHORITY_HOST"];
  if (!override) return cloudAuthority;
  if (!isHttpsUrl(override)) {
    problems.push(`AZURE_AUTHORITY_HOST '${override}' must be an https URL`);
    return cloudAuthority;
  }
  return override.replace(/\/+$/, "");
}

function isPublicAuthority(host: string): boolean {
  return Object.values(clouds).some((c) => c.authorityHost === host);
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

function resolveMode(ctx: AuthContext, problems: string[]): ResolvedMode | undefined {
  const given = (ctx.input("auth") ?? "auto").toLowerCase();
  if (!authModes.some((m) => m === given)) {
    problems.push(`auth '${given}' is not one of ${authModes.join(", ")}`);
    return undefined;
  }
  if (given !== "auto") return given as ResolvedMode;
  const clientId = ctx.input("client-id");
  const tenantId = ctx.input("tenant-id");
  const secret = ctx.input("client-secret");
  if (clientId && tenantId) return secret ? "client-secret" : "oidc";
  if (!clientId && !tenantId && !secret) return "azure-cli";
  const missing = [!clientId && "client-id", !tenantId && "tenant-id"]
    .filter(Boolean)
    .join(" and ");
  problems.push(
    `auth 'auto' needs both client-id and tenant-id (with client-secret for a service principal secret, without it for GitHub OIDC), or none of them for the Azure CLI session of azure/login: ${missing} missing`,
  );
  return undefined;
}

function checkModeInputs(mode: ResolvedMode, ctx: AuthContext, problems: string[]): void {
  const need = (name: AuthInputName, why: string): void => {
    if (!ctx.input(name)) problems.push(`auth '${mode}' needs the input ${name} (${why})`);
  };
  // Only a GitHub OIDC token has an audience: given with another path it would be ignored, and
  // the author who set it expects it to matter.
  if (mode !== "oidc" && ctx.input("audience") !== undefined) {
    problems.push(
      `audience is the audience of a GitHub OIDC token, and auth '${mode}' asks for none: leave audience out, or sign in with GitHub OIDC (client-id and tenant-id without client-secret)`,
    );
  }
  switch (mode) {
    case "client-secret":
      need("client-id", "the application (client) id");
      need("tenant-id", "the directory (tenant) id");
      need(
        "client-secret",
        "pass it from a GitHub secret: client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}",
      );
      return;
    case "oidc":
      need("client-id", "the application (client) id of the federated identity");
      need("tenant-id", "the directory (tenant) id");
      if (!ctx.env["ACTIONS_ID_TOKEN_REQUEST_URL"] || !ctx.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]) {
        problems.push(
          "GitHub OIDC is not available to this step: the job needs 'permissions: id-token: write' (ACTIONS_ID_TOKEN_REQUEST_URL is not set); or give client-secret, or log in with azure/login first and leave client-id and tenant-id out",
        );
      }
      return;
    case "azure-cli":
    case "managed-identity":
      return;
  }
}

interface MadeCredential {
  credential: TokenCredential;
  describe: string;
  hint: string;
}

interface CredentialInputs {
  ctx: AuthContext;
  clientId: string | undefined;
  tenantId: string | undefined;
  clientSecret: string | undefined;
  cloud: Cloud & CloudAuthority;
  identity: { authorityHost: string; disableInstanceDiscovery: boolean; httpClient: HttpClient };
}

function makeCredential(mode: ResolvedMode, inputs: CredentialInputs): MadeCredential {
  const { ctx, clientId = "", tenantId = "", clientSecret = "", cloud, identity } = inputs;
  switch (mode) {
    case "client-secret":
      return {
        credential: new ClientSecretCredential(tenantId, clientId, clientSecret, identity),
        describe: `client secret (client ${clientId}, tenant ${tenantId}, authority ${identity.authorityHost})`,
        hint: `check that client-secret is current for that application`,
      };
    case "oidc": {
      // The token's audience must be one the federated credential lists: the cloud's, unless the
      // credential was made with another (then the author gives it as `audience`).
      const given = ctx.input("audience");
      const audience = given ?? cloud.tokenExchangeAudience;
      const whence = given
        ? "the audience input"
        : `${cloud.name}'s default; give the audience input if the credential lists another`;
      return {
        credential: new ClientAssertionCredential(
          tenantId,
          clientId,
          () => ctx.getIDToken(audience),
          identity,
        ),
        describe: `GitHub OIDC (client ${clientId}, tenant ${tenantId}, authority ${identity.authorityHost})`,
        hint: `check that the job has 'permissions: id-token: write' and that the application has a federated credential whose issuer is https://token.actions.githubusercontent.com, audience ${audience} (${whence}) and subject matches this workflow (e.g. repo:OWNER/REPO:ref:refs/heads/main or repo:OWNER/REPO:environment:NAME)`,
      };
    }
    case "azure-cli":
      return {
        credential: azureCliCredential(tenantId),
        describe: `the Azure CLI session left by azure/login${tenantId ? ` (tenant ${tenantId})` : ""}`,
        hint: `run azure/login in an earlier step of the same job (or give client-id and tenant-id for OIDC)`,
      };
    case "managed-identity":
      return {
        credential: clientId
          ? new ManagedIdentityCredential({ clientId, httpClient: identity.httpClient })
          : new ManagedIdentityCredential({ httpClient: identity.httpClient }),
        describe: clientId
          ? `the runner's user-assigned managed identity (client ${clientId})`
          : "the runner's system-assigned managed identity",
        hint: `managed identity works only on a self-hosted runner in Azure with that identity assigned`,
      };
  }
}

/** Wraps a credential so that a failed token request says which path was tried and what to fix. */
export function explainFailures(
  inner: TokenCredential,
  describe: string,
  hint: string,
): TokenCredential {
  return {
    async getToken(
      scopes: string | string[],
      options?: GetTokenOptions,
    ): Promise<AccessToken | null> {
      try {
        return await inner.getToken(scopes, options);
      } catch (e: unknown) {
        const scope = Array.isArray(scopes) ? scopes.join(" ") : scopes;
        // The token endpoint's text (MSAL's, a proxy's) is the server's: only a marker for it,
        // which the reporter shows when it holds no known value; the path and the hint are ours
        // and stand either way.
        throw new CredentialError(
          `could not get a token for ${scope} with ${describe}: ${untrusted(oneLine(errorMessage(e)))}; ${hint}`,
        );
      }
    },
  };
}

/** MSAL's messages run over many lines with trace ids; the first paragraph says what matters. */
function oneLine(message: string): string {
  return message
    .split(/\r?\n\s*\r?\n/)[0]!
    .replace(/\s*\r?\n\s*/g, " ")
    .trim();
}
