/**
 * Token endpoints for the real Azure SDK credentials and the Azure CLI, unchanged:
 * - managed identity, at one path, in three protocols: App Service 2019-08-01
 *   (IDENTITY_ENDPOINT + X-IDENTITY-HEADER: ManagedIdentityCredential of every SDK), the older
 *   App Service / Azure ML 2017-09-01 (MSI_ENDPOINT + `secret` header: the Azure CLI 2.45 and
 *   Python's azure-identity when only MSI_* is set), and Cloud Shell's POST (MSI_ENDPOINT alone);
 * - a Microsoft Entra stand-in at `authorityHost` (OpenID metadata, keys, the v2.0 token endpoint)
 *   for ClientSecret / ClientCertificate / ClientAssertion / AzurePipelines credentials, and the
 *   same as an AD FS authority at `authorityHost/adfs` (Azure Stack's kind), the one custom
 *   authority the Azure CLI 2.45 can sign a service principal in with (MSAL Python 1.21 sends
 *   any other to login.microsoftonline.com for instance discovery);
 * - the GitHub Actions and Azure Pipelines OIDC token services, whose tokens the Entra stand-in
 *   takes as client assertions.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Exchange } from "./http.ts";
import type { Applications } from "./graph.ts";
import { bearerToken, sendJson } from "./http.ts";
import { resourceOf, tokenLifetimeSeconds, type TokenIssuer } from "./tokens.ts";

export const paths = {
  managedIdentity: "/msi/token",
  githubOidc: "/oidc/github/token",
  pipelinesOidc: "/oidc/pipelines/token",
};

export interface IdentityContext {
  tokens: TokenIssuer;
  origin: string;
  tenantId: string;
  identityHeader: string;
  /** Registered applications (rotation): their client ids take only a live password. */
  applications?: Applications;
  /** The `aud` a federated assertion may carry (EmulatorOptions.federatedAudiences). */
  federatedAudiences: ReadonlySet<string>;
}

/**
 * The audience Entra expects in a federated token, one per cloud, as Microsoft lists them
 * ("Configure an application to trust a managed identity", learn.microsoft.com/entra/workload-id/
 * workload-identity-federation-config-app-trust-managed-identity): global service, US
 * Government, China operated by 21Vianet. Written out here, not imported: the emulator is a
 * witness for the core and shares none of its tables.
 */
export const tokenExchangeAudiences = [
  "api://AzureADTokenExchange",
  "api://AzureADTokenExchangeUSGov",
  "api://AzureADTokenExchangeChina",
];

/** The object id the emulator gives a client: stable per client id, shaped like a GUID. */
export function principalId(clientId: string): string {
  const h = createHash("sha256").update(clientId).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const managedIdentityClientId = "00000000-0000-0000-0000-0000000e3a11";

/** Which endpoint of this module a path names, if any. */
export function identityRoute(
  ex: Exchange,
): "mi" | "metadata" | "keys" | "token" | "github" | "pipelines" | undefined {
  // The Azure CLI 2.45 (msrestazure) asks `${MSI_ENDPOINT}/?resource=…`.
  const p = ex.url.pathname.replace(/(.)\/$/, "$1");
  if (p === paths.managedIdentity) return "mi";
  if (p === paths.githubOidc) return "github";
  if (p === paths.pipelinesOidc) return "pipelines";
  const [tenant, a, b, c] = ex.segments;
  if (!tenant) return undefined;
  if (tenant === "adfs") {
    // AD FS has no v2.0 segment: /adfs/.well-known/openid-configuration, /adfs/oauth2/token.
    if (a === ".well-known" && b === "openid-configuration" && ex.segments.length === 3)
      return "metadata";
    if (a === "discovery" && b === "keys" && ex.segments.length === 3) return "keys";
    if (a === "oauth2" && b === "token" && ex.segments.length === 3) return "token";
    return undefined;
  }
  if (
    a === "v2.0" &&
    b === ".well-known" &&
    c === "openid-configuration" &&
    ex.segments.length === 4
  )
    return "metadata";
  if (a === "discovery" && b === "v2.0" && c === "keys" && ex.segments.length === 4) return "keys";
  if (a === "oauth2" && b === "v2.0" && c === "token" && ex.segments.length === 4) return "token";
  return undefined;
}

export function handleIdentity(
  ctx: IdentityContext,
  ex: Exchange,
  route: NonNullable<ReturnType<typeof identityRoute>>,
): void {
  switch (route) {
    case "mi":
      return managedIdentityToken(ctx, ex);
    case "metadata":
      return openIdConfiguration(ctx, ex);
    case "keys":
      return sendJson(ex, 200, { keys: [] });
    case "token":
      return entraToken(ctx, ex);
    case "github":
    case "pipelines":
      return oidcToken(ctx, ex, route);
  }
}

function oauthError(
  ex: Exchange,
  status: number,
  error: string,
  description: string,
  codes: number[] = [],
): void {
  sendJson(ex, status, {
    error,
    error_description: description,
    error_codes: codes,
    timestamp: new Date().toISOString(),
    trace_id: "00000000-0000-0000-0000-000000000000",
    correlation_id: "00000000-0000-0000-0000-000000000000",
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The managed identity endpoint. Each protocol has its own way to prove the caller is on the
 * host (a header with the secret, or Cloud Shell's `Metadata: true`) and its own client id
 * parameter; all answer `expires_on` in Unix seconds, as a string (App Service 2017-09-01 sends
 * a date there; the Azure CLI and azure-identity read both, the Azure ML endpoint sends seconds).
 */
function managedIdentityToken(ctx: IdentityContext, ex: Exchange): void {
  const query = ex.url.searchParams;
  let resource: string | null;
  let clientId: string | null;
  if (ex.method === "POST") {
    // Cloud Shell: a form body, and `Metadata: true` instead of a secret.
    if (ex.req.headers["metadata"] !== "true") {
      return oauthError(ex, 400, "invalid_request", "The Metadata: true header is required.");
    }
    const form = new URLSearchParams(ex.body);
    resource = form.get("resource");
    clientId = form.get("client_id");
  } else if (ex.method === "GET") {
    const version = query.get("api-version") ?? "2019-08-01";
    const protocol = identityProtocols[version];
    if (!protocol) {
      return oauthError(
        ex,
        400,
        "invalid_request",
        `The api-version ${version} is not supported: use ${Object.keys(identityProtocols).join(" or ")}.`,
      );
    }
    const header = ex.req.headers[protocol.header];
    if (typeof header !== "string" || !sameText(header, ctx.identityHeader)) {
      return oauthError(
        ex,
        401,
        "invalid_request",
        `The ${protocol.header} header is missing or wrong.`,
      );
    }
    resource = query.get("resource");
    clientId = query.get(protocol.clientId);
  } else {
    return oauthError(ex, 405, "invalid_request", "Use GET (App Service) or POST (Cloud Shell).");
  }
  if (!resource)
    return oauthError(ex, 400, "invalid_request", "The resource parameter is required.");
  const client = clientId ?? managedIdentityClientId;
  const { token, expiresOn } = ctx.tokens.issue({
    aud: resourceOf(resource),
    iss: `${ctx.origin}/${ctx.tenantId}/v2.0`,
    sub: principalId(client),
    oid: principalId(client),
    tid: ctx.tenantId,
    appid: client,
    typ: "access",
  });
  sendJson(ex, 200, {
    access_token: token,
    expires_on: String(expiresOn),
    expires_in: String(tokenLifetimeSeconds),
    resource,
    token_type: "Bearer",
    client_id: client,
  });
}

/** App Service's two GET protocols: the header that carries the secret, the client id parameter. */
const identityProtocols: Record<string, { header: string; clientId: string }> = {
  "2019-08-01": { header: "x-identity-header", clientId: "client_id" },
  "2017-09-01": { header: "secret", clientId: "clientid" },
};

function openIdConfiguration(ctx: IdentityContext, ex: Exchange): void {
  const tenant = ex.segments[0] ?? ctx.tenantId;
  const base = `${ctx.origin}/${tenant}`;
  const v2 = tenant === "adfs" ? "" : "/v2.0";
  sendJson(ex, 200, {
    token_endpoint: `${base}/oauth2${v2}/token`,
    token_endpoint_auth_methods_supported: [
      "client_secret_post",
      "private_key_jwt",
      "client_secret_basic",
    ],
    jwks_uri: `${base}/discovery${v2}/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    // MSAL checks that the issuer has the authority's scheme and host.
    issuer: tenant === "adfs" ? base : `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/openid/userinfo`,
    authorization_endpoint: `${base}/oauth2${v2}/authorize`,
    device_authorization_endpoint: `${base}/oauth2${v2}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2${v2}/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"],
    tenant_region_scope: "EU",
    cloud_instance_name: "aml-secrets.emulator",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  });
}

/** The JSON header of a JWT, if the text is one. */
function jwtHeader(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[0] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

function entraToken(ctx: IdentityContext, ex: Exchange): void {
  if (ex.method !== "POST") return oauthError(ex, 405, "invalid_request", "Use POST.");
  const form = new URLSearchParams(ex.body);
  // An AD FS authority has no tenant in its path: its tokens carry the emulator's.
  const tenant = ex.segments[0] === "adfs" ? ctx.tenantId : (ex.segments[0] ?? ctx.tenantId);
  if (form.get("grant_type") !== "client_credentials") {
    return oauthError(
      ex,
      400,
      "unsupported_grant_type",
      "AADSTS70003: The emulator supports only client_credentials.",
    );
  }
  const clientId = form.get("client_id");
  if (!clientId)
    return oauthError(
      ex,
      400,
      "invalid_request",
      "AADSTS900144: The request body must contain client_id.",
    );
  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  if (secret !== null) {
    // A registered application (--application) takes only a live password of its own, as Entra
    // does (and answers as Entra does: 401 invalid_client). Any other client id: any non-empty
    // secret is right, an empty one is wrong.
    const registered = ctx.applications?.checkSecret(clientId, secret);
    if (registered === "expired")
      return oauthError(
        ex,
        401,
        "invalid_client",
        `AADSTS7000222: The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        [7000222],
      );
    if (registered === "invalid" || (registered === undefined && !secret))
      return oauthError(
        ex,
        401,
        "invalid_client",
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        [7000215],
      );
  } else if (assertion !== null) {
    const header = jwtHeader(assertion);
    const federated = ctx.tokens.verify(assertion);
    // A certificate credential signs its own assertion (x5t / x5t#S256 header); a federated one
    // must come from this emulator's OIDC stand-ins.
    const certificate =
      header !== undefined && (header["x5t"] !== undefined || header["x5t#S256"] !== undefined);
    if (!certificate && federated?.typ !== "oidc") {
      return oauthError(
        ex,
        401,
        "invalid_client",
        "AADSTS700211: No matching federated identity record found for presented assertion issuer: it was not issued by this emulator.",
      );
    }
    // Entra matches the assertion's aud against the audiences of the app's federated
    // credentials; a token asked for another cloud's audience (Azure/login#452) or a typo fails
    // with this code and text (as quoted in hashicorp/terraform-provider-azuread#1755).
    if (federated && !ctx.federatedAudiences.has(federated.aud)) {
      return oauthError(
        ex,
        401,
        "invalid_client",
        `AADSTS700212: No matching federated identity record found for presented assertion audience '${federated.aud}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
        [700212],
      );
    }
  } else {
    return oauthError(
      ex,
      401,
      "invalid_client",
      "AADSTS7000216: client_assertion or client_secret is required.",
    );
  }
  const scopes = (form.get("scope") ?? "")
    .split(" ")
    .filter((s) => s && !["openid", "profile", "offline_access"].includes(s));
  const resourceScope = scopes[0];
  if (!resourceScope)
    return oauthError(ex, 400, "invalid_scope", "AADSTS1002012: A resource scope is required.");
  const { token } = ctx.tokens.issue({
    aud: resourceOf(resourceScope),
    iss: `${ctx.origin}/${tenant}/v2.0`,
    sub: principalId(clientId),
    oid: principalId(clientId),
    tid: tenant,
    appid: clientId,
    typ: "access",
  });
  sendJson(ex, 200, {
    token_type: "Bearer",
    expires_in: tokenLifetimeSeconds,
    ext_expires_in: tokenLifetimeSeconds,
    access_token: token,
  });
}

function oidcToken(ctx: IdentityContext, ex: Exchange, which: "github" | "pipelines"): void {
  const wanted = which === "github" ? "GET" : "POST";
  if (ex.method !== wanted) return oauthError(ex, 405, "invalid_request", `Use ${wanted}.`);
  // The runner's request token is not checked against anything: any bearer will do, none will not.
  if (!bearerToken(ex.req))
    return oauthError(ex, 401, "unauthorized", "A bearer token is required.");
  const audience =
    which === "github"
      ? (ex.url.searchParams.get("audience") ?? "api://AzureADTokenExchange")
      : "api://AzureADTokenExchange";
  const subject =
    which === "github"
      ? "repo:aml-secrets/emulator:ref:refs/heads/main"
      : `sc://emulator/aml-secrets/${ex.url.searchParams.get("serviceConnectionId") ?? "unknown"}`;
  const { token } = ctx.tokens.issue({
    aud: audience,
    iss:
      which === "github"
        ? "https://token.actions.githubusercontent.com"
        : "https://vstoken.dev.azure.com/emulator",
    sub: subject,
    oid: principalId(subject),
    tid: ctx.tenantId,
    typ: "oidc",
    lifetimeSeconds: 600,
  });
  sendJson(ex, 200, which === "github" ? { value: token } : { oidcToken: token });
}
