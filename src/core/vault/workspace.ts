/**
 * The Azure ML workspace's key vault, found through ARM: the workspace's `properties.keyVault`
 * resource id, then that vault's `properties.vaultUri`.
 *
 * A few GETs on the Azure core REST pipeline that the vault SDK already bundles, rather than
 * `@azure/arm-machinelearning` 2.1.1 + `@azure/arm-keyvault` 5.0.0: measured with esbuild as
 * the build does it, a SecretClient + credential entry is 677 KB; this module adds 10 KB, the
 * two ARM clients 857 KB (a bundle of 1.53 MB) for two read calls.
 */
import { RestError, type PipelineResponse } from "@azure/core-rest-pipeline";
import { VaultError } from "../errors.ts";
import { isSubscriptionId, type WorkspaceRef } from "../inputs/settings.ts";
import { field } from "./json.ts";
import type { Connection } from "../platform.ts";
import { RequestTimeoutError } from "./gate.ts";
import { armScope, JsonService } from "./json-service.ts";
import { cut, serviceError, serviceSaid } from "./service-error.ts";

export interface ResolveOptions {
  /** First retry delay when ARM sends no Retry-After; doubled each attempt. */
  retryDelayMs?: number;
  /** How long one request may take (`request-timeout`), and that input as the platform spells it. */
  requestTimeoutMs?: number;
  timeoutInput?: string;
}

/**
 * api-versions: generally available ones that ARM still serves after 2027-02-27 (the README lists
 * them with the date they were checked). Key Vault retires every control-plane version before
 * `2026-02-01` on that date, so the vault is read with `2026-02-01`; the data plane is not affected.
 */
const apiVersions = {
  workspace: "2024-04-01",
  vault: "2026-02-01",
  subscriptions: "2022-12-01",
} as const;

/** Pages of `GET /subscriptions` followed before giving up (100 per page). */
const maxSubscriptionPages = 20;

/** The vault URL (`properties.vaultUri`) of the workspace's key vault. */
export async function resolveWorkspaceVault(
  ref: WorkspaceRef,
  connection: Connection,
  resourceManagerUrl?: string,
  options: ResolveOptions = {},
): Promise<string> {
  const arm = new ArmReader(
    resourceManagerUrl ?? connection.cloud.resourceManager,
    connection,
    options,
  );
  const subscriptionId =
    ref.subscriptionId ?? connection.subscriptionId ?? (await onlySubscription(arm, connection));
  const where = `Azure ML workspace ${ref.name} (resource group ${ref.resourceGroup}, subscription ${subscriptionId})`;
  // The connection's subscription (or the one ARM listed) becomes a path segment too: a `..`
  // there would move the request, and its token, to another path of ARM.
  if (!isSubscriptionId(subscriptionId)) {
    throw new VaultError(
      `the subscription \`${subscriptionId}\` of ${connection.describe} is not a subscription id (a GUID); nothing was sent to ARM for the workspace`,
    );
  }

  const workspacePath =
    `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ref.name)}`;
  const workspace = await arm.get(
    `${workspacePath}?api-version=${apiVersions.workspace}`,
    (failure) => workspaceFailure(where, failure, connection),
  );
  const vaultId = field(field(workspace, "properties"), "keyVault");
  if (
    typeof vaultId !== "string" ||
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(
      vaultId,
    )
  ) {
    throw new VaultError(
      `${where} names no key vault in properties.keyVault${typeof vaultId === "string" ? ` (it says ${cut(vaultId, 300)})` : ""}: give vault-url instead`,
    );
  }

  const vault = await arm.get(`${vaultId}?api-version=${apiVersions.vault}`, (failure) =>
    vaultFailure(where, vaultId, failure, connection),
  );
  const vaultUri = field(field(vault, "properties"), "vaultUri");
  if (typeof vaultUri !== "string" || vaultUri === "") {
    throw new VaultError(
      `the key vault ${vaultId} of ${where} has no properties.vaultUri: give vault-url instead`,
    );
  }
  return vaultUri;
}

/** A failed ARM request: its status (none for a network error), ARM's error code and message. */
interface ArmFailure {
  status?: number;
  code?: string;
  message: string;
  requestId?: string;
}

/**
 * Reads ARM resources as JSON with the connection's credential, one at a time, through the
 * JSON client's gate (its retries: the GETs change nothing, so retrying is safe), wording each
 * failure for the look-up it is part of.
 */
class ArmReader {
  readonly base: string;
  private readonly arm: JsonService;

  constructor(
    resourceManagerUrl: string,
    private readonly connection: Connection,
    options: ResolveOptions,
  ) {
    this.arm = new JsonService(connection, {
      ...options,
      name: "ARM",
      base: resourceManagerUrl,
      scope: armScope(connection),
      baseInput: "resource-manager-url",
      concurrency: 1,
    });
    this.base = this.arm.base;
  }

  /** GETs `pathOrUrl` (a path under the ARM endpoint, or a `nextLink` on it) as JSON. */
  async get(pathOrUrl: string, failure: (f: ArmFailure) => VaultError): Promise<unknown> {
    const url = pathOrUrl.startsWith("/") ? `${this.base}${pathOrUrl}` : pathOrUrl;
    // A bearer token for ARM goes to the ARM endpoint only, whatever a nextLink says.
    if (new URL(url).origin !== new URL(this.base).origin) {
      throw failure({ message: `ARM sent a link to another host (${new URL(url).origin})` });
    }
    let response: PipelineResponse;
    try {
      response = await this.arm.exchange("GET", url, url);
    } catch (e: unknown) {
      if (e instanceof RestError && e.response) throw failure(armFailure(e));
      if (e instanceof RequestTimeoutError) throw failure({ message: e.message });
      throw failure({
        message: isNetworkError(e)
          ? `no answer from ${this.base}: ${serviceSaid(e)}`
          : tokenFailure(this.connection, this.base, e),
      });
    }
    return parseBody(response, failure);
  }
}

/** The one subscription the identity can see, when neither the input nor the connection names one. */
async function onlySubscription(arm: ArmReader, connection: Connection): Promise<string> {
  const found: { id: string; name?: string }[] = [];
  let next: string | undefined = `/subscriptions?api-version=${apiVersions.subscriptions}`;
  for (let page = 0; next && page < maxSubscriptionPages; page++) {
    const body = await arm.get(
      next,
      (f) =>
        new VaultError(
          `listing the subscriptions of ${connection.describe} failed (${describeFailure(f)}): give subscription-id`,
          f.status,
          f.code,
          f.requestId,
        ),
    );
    const value = field(body, "value");
    for (const item of Array.isArray(value) ? value : []) {
      const id = field(item, "subscriptionId");
      const name = field(item, "displayName");
      if (typeof id === "string") found.push({ id, ...(typeof name === "string" ? { name } : {}) });
    }
    const link = field(body, "nextLink");
    next = typeof link === "string" && link !== "" ? link : undefined;
  }
  const [only, ...others] = found;
  if (only && others.length === 0) return only.id;
  if (!only) {
    throw new VaultError(
      `no subscription given and ${connection.describe} can see none: give subscription-id, and check that the identity has a role on the workspace's subscription`,
    );
  }
  const listed = found.map((s) => (s.name ? `${s.id} (${s.name})` : s.id)).join(", ");
  throw new VaultError(
    `no subscription given and ${connection.describe} can see ${found.length}: ${listed}; give subscription-id to choose the workspace's`,
  );
}

function workspaceFailure(where: string, f: ArmFailure, connection: Connection): VaultError {
  let check: string;
  if (f.status === 404 && f.code === "ResourceGroupNotFound") {
    check =
      "check resource-group: no resource group of that name in this subscription (and check subscription-id)";
  } else if (f.status === 404 && f.code === "SubscriptionNotFound") {
    check = "check subscription-id: ARM does not know that subscription";
  } else if (f.status === 404) {
    check =
      "check workspace-name and resource-group (and subscription-id): ARM found no such workspace there";
  } else if (f.status === 401 || f.status === 403) {
    check = `check that ${connection.describe} has a role that can read the workspace (e.g. Reader or AzureML Data Scientist) on the workspace or its resource group, and the subscription; ${connection.hint}`;
  } else {
    check =
      "retry later; if it persists, check the resource-manager-url and the workspace in the portal";
  }
  return new VaultError(`${where}: ${describeFailure(f)}; ${check}`, f.status, f.code, f.requestId);
}

function vaultFailure(
  where: string,
  vaultId: string,
  f: ArmFailure,
  connection: Connection,
): VaultError {
  let check: string;
  if (f.status === 404)
    check =
      "the workspace names a vault that no longer exists; fix the workspace or give vault-url";
  else if (f.status === 401 || f.status === 403) {
    check = `check that ${connection.describe} can read the key vault resource (e.g. Reader on it), or give vault-url instead; ${connection.hint}`;
  } else check = "retry later, or give vault-url instead";
  return new VaultError(
    `the key vault ${vaultId} of ${where}: ${describeFailure(f)}; ${check}`,
    f.status,
    f.code,
    f.requestId,
  );
}

function describeFailure(f: ArmFailure): string {
  const status =
    f.status === undefined ? "" : `ARM answered ${f.status}${f.code ? ` ${f.code}` : ""}`;
  return [status, f.message].filter((part) => part !== "").join(": ");
}

/** ARM's status, error code and message (see service-error.ts for what of a body may show). */
function armFailure(e: RestError): ArmFailure {
  const error = serviceError(e);
  const requestId = error.requestId ?? e.response?.headers.get("x-ms-correlation-request-id");
  return {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.code !== undefined ? { code: error.code } : {}),
    message: error.message,
    ...(requestId ? { requestId: cut(requestId, 64) } : {}),
  };
}

function parseBody(response: PipelineResponse, failure: (f: ArmFailure) => VaultError): unknown {
  try {
    return JSON.parse(response.bodyAsText ?? "");
  } catch {
    throw failure({
      status: response.status,
      message: "ARM's answer is not JSON (is resource-manager-url an ARM endpoint?)",
    });
  }
}

/** A token could not be had: say which identity and scope, since that is what to fix. */
function tokenFailure(connection: Connection, base: string, e: unknown): string {
  return `could not get a token for ARM (${armScope(connection)}, for ${base}) with ${connection.describe}: ${serviceSaid(e)}; ${connection.hint}`;
}

/** A socket-level failure, as the pipeline reports it (no HTTP status). */
function isNetworkError(e: unknown): boolean {
  const code = field(e, "code");
  return (
    field(e, "name") === "RestError" &&
    field(e, "statusCode") === undefined &&
    (code === "REQUEST_SEND_ERROR" || (typeof code === "string" && /^E[A-Z]+$/.test(code)))
  );
}
