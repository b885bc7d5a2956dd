/**
 * The two Azure Resource Manager look-ups aml-secrets needs (workspace -> key vault id,
 * vault -> vaultUri) and the subscription listing, with ARM's error shapes.
 */
import type { Exchange } from "./http.ts";
import { bearerToken, sendError, sendJson } from "./http.ts";
import type { Faults } from "./faults.ts";
import { isArmAudience, type TokenIssuer } from "./tokens.ts";
import type { Workspace } from "./types.ts";

export interface ArmContext {
  tokens: TokenIssuer;
  faults: Faults;
  vaultUrl: string;
  tenantId: string;
  authorityHost: string;
  workspaces: Workspace[];
  subscriptions: string[];
}

export const location = "westeurope";

const eq = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.toLowerCase() === b.toLowerCase();

export function isArmPath(segments: string[]): boolean {
  return segments[0]?.toLowerCase() === "subscriptions";
}

function vaultId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.KeyVault/vaults/${ws.vaultName}`;
}

function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}`;
}

export function handleArm(ctx: ArmContext, ex: Exchange): void {
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
  if (ex.method !== "GET") {
    sendError(ex, 405, "MethodNotAllowed", `The emulator's ARM answers GET only.`);
    return;
  }
  if (!ex.url.searchParams.get("api-version")) {
    sendError(
      ex,
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
    return;
  }
  const [, sub, rgWord, rg, providersWord, provider, type, name, ...rest] = ex.segments;
  if (sub === undefined) return listSubscriptions(ctx, ex);
  const known =
    ctx.subscriptions.some((s) => eq(s, sub)) ||
    ctx.workspaces.some((w) => eq(w.subscriptionId, sub));
  if (!known) {
    sendError(ex, 404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
    return;
  }
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
  if (inGroup.length === 0) {
    sendError(ex, 404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
    return;
  }
  const kind = `${provider ?? ""}/${type ?? ""}`.toLowerCase();
  if (kind === "microsoft.machinelearningservices/workspaces") {
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
