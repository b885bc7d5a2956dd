/**
 * The two Azure Resource Manager look-ups aml-secrets needs (workspace -> key vault id,
 * vault -> vaultUri), the subscription listing, and the cloud metadata (`/metadata/endpoints`)
 * that `az cloud register` reads, with ARM's error shapes and its api-version checks.
 */
import type { Exchange } from "./http.ts";
import { bearerToken, sendError, sendJson } from "./http.ts";
import type { Faults } from "./faults.ts";
import { handleStorageArm, type StorageAccounts } from "./storage.ts";
import { isArmAudience, type TokenIssuer } from "./tokens.ts";
import type { Workspace } from "./types.ts";

export interface ArmContext {
  tokens: TokenIssuer;
  faults: Faults;
  vaultUrl: string;
  armUrl: string;
  tenantId: string;
  authorityHost: string;
  workspaces: Workspace[];
  subscriptions: string[];
  /** Also serve Microsoft.KeyVault/vaults api-versions before 2026-02-01 (retired 2027-02-27). */
  retiredVaultApiVersions: boolean;
  /** Storage accounts (rotation): their subscriptions and resource groups exist too. */
  storageAccounts: StorageAccounts;
  /** The blob endpoint of a storage account. */
  blobEndpoint: (name: string) => string;
}

export const location = "westeurope";

const eq = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.toLowerCase() === b.toLowerCase();

export function isArmPath(segments: string[]): boolean {
  const root = segments[0]?.toLowerCase();
  return root === "subscriptions" || (root === "metadata" && segments.length === 2);
}

/**
 * The api-versions of ARM's own operations (subscriptions, `/metadata/endpoints`), as ARM lists
 * them when it refuses one (InvalidApiVersionParameter, recorded in 2024).
 */
export const armApiVersions = (
  "2024-08-01,2024-06-01-preview,2024-03-01,2023-07-01,2023-07-01-preview,2023-03-01-preview," +
  "2022-12-01,2022-11-01-preview,2022-09-01,2022-06-01,2022-05-01,2022-03-01-preview,2022-01-01," +
  "2021-04-01,2021-01-01,2020-10-01,2020-09-01,2020-08-01,2020-07-01,2020-06-01,2020-05-01," +
  "2020-01-01,2019-11-01,2019-10-01,2019-09-01,2019-08-01,2019-07-01,2019-06-01,2019-05-10," +
  "2019-05-01,2019-03-01,2018-11-01,2018-09-01,2018-08-01,2018-07-01,2018-06-01,2018-05-01," +
  "2018-02-01,2018-01-01,2017-12-01,2017-08-01,2017-06-01,2017-05-10,2017-05-01,2017-03-01," +
  "2016-09-01,2016-07-01,2016-06-01,2016-02-01,2015-11-01,2015-01-01,2014-04-01-preview," +
  "2014-04-01,2014-01-01,2013-03-01,2014-02-26,2014-04"
).split(",");

/** Microsoft.MachineLearningServices/workspaces: the stable api-versions of its specification. */
export const workspaceApiVersions = [
  "2025-09-01",
  "2025-04-01",
  "2024-10-01",
  "2024-04-01",
  "2023-10-01",
  "2023-04-01",
  "2022-10-01",
  "2022-05-01",
  "2021-07-01",
  "2021-04-01",
  "2021-01-01",
  "2020-08-01",
  "2020-06-01",
  "2020-04-01",
  "2020-03-01",
  "2020-01-01",
  "2019-11-01",
  "2019-06-01",
  "2019-05-01",
];

/**
 * Microsoft.KeyVault/vaults: Key Vault retires every control-plane api-version before
 * 2026-02-01 on 2027-02-27 (Azure/azure-cli#34020, Azure/azure-powershell#30098); 2026-02-01 is
 * the current stable one and 2026-04-01-preview the announced preview.
 */
export const vaultApiVersions = ["2026-02-01", "2026-04-01-preview"];
export const retiredVaultApiVersions = [
  "2025-05-01",
  "2024-12-01-preview",
  "2024-11-01",
  "2024-04-01-preview",
  "2023-07-01",
  "2023-02-01",
  "2022-11-01",
  "2022-07-01",
  "2022-02-01-preview",
  "2021-11-01-preview",
  "2021-10-01",
  "2021-06-01-preview",
  "2021-04-01-preview",
  "2020-04-01-preview",
  "2019-09-01",
  "2018-02-14",
  "2018-02-14-preview",
  "2016-10-01",
  "2015-06-01",
];

/**
 * Refuses a request whose api-version the resource does not serve, as ARM does: 400
 * InvalidApiVersionParameter for ARM's own operations, NoRegisteredProviderFound (naming the
 * versions and locations) for a provider's resource type. Returns true when it answered.
 */
function refusedApiVersion(
  ex: Exchange,
  version: string,
  served: readonly string[],
  resourceType?: string,
): boolean {
  if (served.includes(version)) return false;
  if (resourceType === undefined) {
    sendError(
      ex,
      400,
      "InvalidApiVersionParameter",
      `The api-version '${version}' is invalid. The supported versions are '${served.join(",")}'.`,
    );
  } else {
    sendError(
      ex,
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location '${location}' and API version '${version}' for type '${resourceType}'. The supported api-versions are '${served.join(", ")}'. The supported locations are '${location}'.`,
    );
  }
  return true;
}

/** A GET's api-version; anything else (another method, no api-version) is answered as ARM does. */
function getApiVersion(ex: Exchange): string | undefined {
  if (ex.method !== "GET") {
    sendError(ex, 405, "MethodNotAllowed", `The emulator's ARM answers GET only.`);
    return undefined;
  }
  const version = ex.url.searchParams.get("api-version");
  if (version) return version;
  sendError(
    ex,
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
  return undefined;
}

function vaultId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.KeyVault/vaults/${ws.vaultName}`;
}

function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}`;
}

export function handleArm(ctx: ArmContext, ex: Exchange): void {
  if (ex.segments[0]?.toLowerCase() === "metadata") return cloudMetadata(ctx, ex);
  const token = bearerToken(ex.req);
  const claims = token ? ctx.tokens.verify(token) : undefined;
  const challenge = `Bearer authorization_uri="${ctx.authorityHost}/${ctx.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`;
  if (!token) {
    sendError(
      ex,
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
      undefined,
      {
        "www-authenticate": challenge,
      },
    );
    return;
  }
  if (!claims || claims.typ !== "access" || !isArmAudience(claims.aud)) {
    sendError(
      ex,
      401,
      "InvalidAuthenticationToken",
      claims
        ? `The access token has an invalid audience: ${claims.aud}. Expected https://management.azure.com/.`
        : "The access token is invalid: it was not issued by this emulator, or it expired.",
    );
    return;
  }
  const [, sub, rgWord, rg, providersWord, provider, type, name, ...rest] = ex.segments;
  if (
    sub !== undefined &&
    eq(rgWord, "resourceGroups") &&
    rg !== undefined &&
    eq(providersWord, "providers") &&
    eq(provider, "Microsoft.Storage") &&
    eq(type, "storageAccounts") &&
    name !== undefined &&
    rest.length <= 1
  ) {
    // listKeys / regenerateKey are POSTs: the storage handler checks methods and versions itself.
    if (!knownSubscription(ctx, sub)) return subscriptionNotFound(ex, sub);
    if (!knownResourceGroup(ctx, sub, rg)) return resourceGroupNotFound(ex, rg);
    return handleStorageArm(
      {
        accounts: ctx.storageAccounts,
        location,
        blobEndpoint: ctx.blobEndpoint,
        refusedApiVersion,
      },
      ex,
      { subscriptionId: sub, resourceGroup: rg, name },
      rest[0],
    );
  }
  const version = getApiVersion(ex);
  if (version === undefined) return;
  if (rgWord === undefined && refusedApiVersion(ex, version, armApiVersions)) return;
  if (sub === undefined) return listSubscriptions(ctx, ex);
  if (!knownSubscription(ctx, sub)) return subscriptionNotFound(ex, sub);
  if (rgWord === undefined) {
    sendJson(ex, 200, subscription(ctx, sub));
    return;
  }
  if (
    !eq(rgWord, "resourceGroups") ||
    rg === undefined ||
    !eq(providersWord, "providers") ||
    name === undefined ||
    rest.length > 0
  ) {
    sendError(ex, 400, "InvalidResourceId", `The emulator does not serve ${ex.url.pathname}.`);
    return;
  }
  const inGroup = ctx.workspaces.filter(
    (w) => eq(w.subscriptionId, sub) && eq(w.resourceGroup, rg),
  );
  if (!knownResourceGroup(ctx, sub, rg)) return resourceGroupNotFound(ex, rg);
  const kind = `${provider ?? ""}/${type ?? ""}`.toLowerCase();
  if (kind === "microsoft.machinelearningservices/workspaces") {
    if (refusedApiVersion(ex, version, workspaceApiVersions, "workspaces")) return;
    if (ctx.faults.armForbidden(name))
      return authorizationFailed(ex, "Microsoft.MachineLearningServices/workspaces/read");
    const ws = inGroup.find((w) => eq(w.name, name));
    if (!ws) return resourceNotFound(ex, "Microsoft.MachineLearningServices/workspaces", name, rg);
    sendJson(ex, 200, {
      id: workspaceId(ws),
      name: ws.name,
      type: "Microsoft.MachineLearningServices/workspaces",
      location,
      kind: "Default",
      properties: {
        friendlyName: ws.name,
        keyVault: vaultId(ws),
        provisioningState: "Succeeded",
      },
    });
    return;
  }
  if (kind === "microsoft.keyvault/vaults") {
    const served = ctx.retiredVaultApiVersions
      ? [...vaultApiVersions, ...retiredVaultApiVersions]
      : vaultApiVersions;
    if (refusedApiVersion(ex, version, served, "vaults")) return;
    const ws = inGroup.find((w) => eq(w.vaultName, name));
    if (!ws) return resourceNotFound(ex, "Microsoft.KeyVault/vaults", name, rg);
    sendJson(ex, 200, {
      id: vaultId(ws),
      name: ws.vaultName,
      type: "Microsoft.KeyVault/vaults",
      location,
      properties: {
        sku: { family: "A", name: "standard" },
        tenantId: ctx.tenantId,
        // Every vault of the emulator is the one vault it serves.
        vaultUri: `${ctx.vaultUrl}/`,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enableRbacAuthorization: true,
        provisioningState: "Succeeded",
      },
    });
    return;
  }
  resourceNotFound(ex, `${provider ?? ""}/${type ?? ""}`, name, rg);
}

/**
 * `GET /metadata/endpoints`: the cloud's endpoints, which `az cloud register
 * --endpoint-resource-manager` reads (Azure CLI 2.45 asks with api-version 2015-01-01 for one
 * cloud; newer clients with 2019-05-01 or later for a list of clouds). Served without a token,
 * like ARM's. The login endpoint is the emulator's AD FS form (`/adfs`), so that the CLI can
 * also sign a service principal in through it (see identity.ts).
 */
function cloudMetadata(ctx: ArmContext, ex: Exchange): void {
  if (!eq(ex.segments[1], "endpoints")) {
    sendError(ex, 404, "NotFound", `The emulator does not serve ${ex.url.pathname}.`);
    return;
  }
  const version = getApiVersion(ex);
  if (version === undefined || refusedApiVersion(ex, version, armApiVersions)) return;
  const audiences = ["https://management.core.windows.net/", "https://management.azure.com/"];
  if (version < "2019-05-01") {
    sendJson(ex, 200, {
      galleryEndpoint: `${ctx.armUrl}/`,
      graphEndpoint: "https://graph.windows.net/",
      portalEndpoint: `${ctx.armUrl}/`,
      authentication: { loginEndpoint: `${ctx.authorityHost}/adfs`, audiences },
    });
    return;
  }
  sendJson(ex, 200, [
    {
      name: "AmlSecretsEmulator",
      portal: `${ctx.armUrl}/`,
      resourceManager: `${ctx.armUrl}/`,
      gallery: `${ctx.armUrl}/`,
      graph: "https://graph.windows.net/",
      graphAudience: "https://graph.windows.net/",
      microsoftGraphResourceId: "https://graph.microsoft.com/",
      authentication: {
        loginEndpoint: `${ctx.authorityHost}/adfs`,
        audiences,
        tenant: "adfs",
        identityProvider: "ADFS",
      },
      suffixes: { keyVaultDns: "vault.azure.net" },
    },
  ]);
}

function subscription(ctx: ArmContext, sub: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}`,
    subscriptionId: sub,
    tenantId: ctx.tenantId,
    displayName: `Emulator subscription ${sub}`,
    state: "Enabled",
  };
}

function listSubscriptions(ctx: ArmContext, ex: Exchange): void {
  sendJson(ex, 200, {
    value: ctx.subscriptions.map((s) => subscription(ctx, s)),
    count: { type: "Total", value: ctx.subscriptions.length },
  });
}

function knownSubscription(ctx: ArmContext, sub: string): boolean {
  return (
    ctx.subscriptions.some((s) => eq(s, sub)) ||
    ctx.workspaces.some((w) => eq(w.subscriptionId, sub)) ||
    ctx.storageAccounts.all.some((a) => eq(a.subscriptionId, sub))
  );
}

function knownResourceGroup(ctx: ArmContext, sub: string, rg: string): boolean {
  return (
    ctx.workspaces.some((w) => eq(w.subscriptionId, sub) && eq(w.resourceGroup, rg)) ||
    ctx.storageAccounts.all.some((a) => eq(a.subscriptionId, sub) && eq(a.resourceGroup, rg))
  );
}

function subscriptionNotFound(ex: Exchange, sub: string): void {
  sendError(ex, 404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
}

function resourceGroupNotFound(ex: Exchange, rg: string): void {
  sendError(ex, 404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
}

function resourceNotFound(ex: Exchange, type: string, name: string, rg: string): void {
  sendError(
    ex,
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function authorizationFailed(ex: Exchange, action: string): void {
  sendError(
    ex,
    403,
    "AuthorizationFailed",
    `The client does not have authorization to perform action '${action}' over scope '${ex.url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
