/**
 * A local, Key Vault-compatible HTTPS emulator: the secrets data plane, the two ARM look-ups, and
 * the token endpoints the real Azure SDK credentials use, on loopback, with injectable faults.
 * `startEmulator()` is the in-process API the tests use; main.ts is the `aml-secrets emulator` command.
 */
import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { handleArm, isArmPath, type ArmContext } from "./arm.ts";
import { blobPrefix, handleBlob, isBlobPath } from "./blob.ts";
import { defaultCaDir, ensureCa, issueLeaf, tokenKey } from "./ca.ts";
import { Faults, requestKey } from "./faults.ts";
import { Applications, graphPrefix, handleGraph, isGraphPath, type GraphContext } from "./graph.ts";
import { errorMessage, readBody, sendError, type Exchange } from "./http.ts";
import {
  handleIdentity,
  identityRoute,
  paths,
  principalId,
  tokenExchangeAudiences,
  type IdentityContext,
} from "./identity.ts";
import { StorageAccounts } from "./storage.ts";
import { SecretStore, versionState } from "./store.ts";
import { TokenIssuer } from "./tokens.ts";
import type {
  Emulator,
  EmulatorOptions,
  FaultSettings,
  RequestRecord,
  SecretVersionState,
  SeedProps,
  Workspace,
} from "./types.ts";
import { handleVault, vaultPath, type VaultContext } from "./vault-api.ts";

export type {
  Emulator,
  EmulatorOptions,
  FaultSettings,
  RequestKind,
  RequestRecord,
  SecretVersionState,
  SeedProps,
  StorageAccountRef,
  Workspace,
} from "./types.ts";
export { storageApiVersions } from "./storage.ts";
export { defaultFaults, realisticDelays } from "./faults.ts";
export { maxValueBytes, supportedApiVersions } from "./vault-api.ts";

/** The resource Key Vault's challenge names (the public cloud's). */
export const vaultResource = "https://vault.azure.net";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const ca = ensureCa(options.caDir ?? defaultCaDir());
  const leaf = issueLeaf(ca);
  const key = tokenKey(ca);
  const derive = (label: string): Buffer => createHmac("sha256", key).update(label).digest();
  const tokens = new TokenIssuer(key);
  // Stable per CA folder, so a restarted emulator keeps its tenant and identity header (and the
  // environment lines a user already exported still work).
  const tenantId = principalId(derive("tenant").toString("hex"));
  const identityHeader = derive("identity-header").toString("hex").slice(0, 32);
  const store = new SecretStore(options.dataFile);
  const faults = new Faults(options.faults);
  const requests: RequestRecord[] = [];
  const logs: string[] = [];
  let latencyMs = options.latencyMs ?? 0;
  const workspaces: Workspace[] = [];
  const subscriptions: string[] = [];

  const log = (line: string): void => {
    logs.push(line);
    options.onLog?.(line);
  };

  const server = createServer({ key: leaf.keyPem, cert: leaf.certPem });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.unref) {
    server.unref();
    server.on("secureConnection", (socket: { unref(): void }) => socket.unref());
  }

  const vault: VaultContext = {
    store,
    faults,
    tokens,
    vaultUrl: origin,
    challenge: `Bearer authorization="${origin}/${tenantId}", resource="${vaultResource}"`,
    backupKey: derive("backup"),
  };
  const storageAccounts = new StorageAccounts();
  for (const account of options.storageAccounts ?? []) storageAccounts.add(account);
  const blobEndpoint = (name: string): string => `${origin}/${blobPrefix}/${name}/`;
  const applications = new Applications();
  for (const appId of options.applications ?? []) applications.add(appId);
  const graph: GraphContext = { applications, tokens, graphUrl: `${origin}/${graphPrefix}` };
  const identity: IdentityContext = {
    tokens,
    origin,
    tenantId,
    identityHeader,
    applications,
    federatedAudiences: new Set(options.federatedAudiences ?? tokenExchangeAudiences),
  };
  const arm: ArmContext = {
    tokens,
    faults,
    vaultUrl: origin,
    armUrl: origin,
    retiredVaultApiVersions: options.retiredVaultApiVersions ?? false,
    tenantId,
    authorityHost: origin,
    workspaces,
    subscriptions,
    storageAccounts,
    blobEndpoint,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const method = (req.method ?? "GET").toUpperCase();
    let segments: string[];
    try {
      segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      segments = url.pathname.split("/").filter(Boolean);
    }
    const record: RequestRecord = {
      time: Date.now(),
      method,
      path: url.pathname,
      status: 0,
      kind: "other",
    };
    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion) record.apiVersion = apiVersion;
    const vaultTarget = vaultPath(segments);
    const rotationSource = isBlobPath(segments) || isGraphPath(segments);
    const idRoute =
      vaultTarget || rotationSource ? undefined : identityRoute({ url, segments } as Exchange);
    if (isBlobPath(segments)) record.kind = "blob";
    else if (isGraphPath(segments)) record.kind = "graph";
    else if (vaultTarget) {
      record.kind = method === "GET" ? "secret-read" : "secret-write";
      if (vaultTarget.secret !== undefined) record.secret = vaultTarget.secret;
    } else if (isArmPath(segments)) record.kind = "arm";
    else if (idRoute === "github" || idRoute === "pipelines") {
      record.kind = "oidc";
      const audience = url.searchParams.get("audience");
      if (idRoute === "github" && audience !== null) record.audience = audience;
    } else if (idRoute) record.kind = "token";

    const finish = (): void => {
      requests.push(record);
      const parts = [method, url.pathname, String(record.status), record.kind];
      if (record.fault) parts.push(`fault=${record.fault}`);
      log(parts.join(" "));
    };

    if (latencyMs > 0) await sleep(latencyMs);
    if (vaultTarget && faults.drop(requestKey(method, segments))) {
      record.fault = "drop";
      finish();
      req.socket.destroy();
      return;
    }
    const ex: Exchange = {
      req,
      res,
      method,
      url,
      segments,
      trailingSlash: url.pathname.length > 1 && url.pathname.endsWith("/"),
      body: await readBody(req),
      record,
    };
    try {
      if (vaultTarget) handleVault(vault, ex);
      else if (record.kind === "arm") handleArm(arm, ex);
      else if (record.kind === "blob") handleBlob(storageAccounts, ex, origin);
      else if (record.kind === "graph") handleGraph(graph, ex);
      else if (idRoute) handleIdentity(identity, ex, idRoute);
      else sendError(ex, 404, "NotFound", `The emulator does not serve ${url.pathname}.`);
    } catch (e: unknown) {
      log(`internal error on ${method} ${url.pathname}: ${errorMessage(e)}`);
      if (!res.headersSent)
        sendError(ex, 500, "InternalServerError", "The emulator failed on this request.");
    }
    finish();
  }

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      log(`request failed: ${errorMessage(e)}`);
      res.destroy();
    });
  });

  log(`emulator listening on ${origin}`);

  const emulator: Emulator = {
    vaultUrl: origin,
    armUrl: origin,
    authorityHost: origin,
    tenantId,
    identityEndpoint: `${origin}${paths.managedIdentity}`,
    identityHeader,
    // GitHub's request URL already carries a query; @actions/core appends `&audience=`.
    githubOidcUrl: `${origin}${paths.githubOidc}?api-version=2.0`,
    pipelinesOidcUrl: `${origin}${paths.pipelinesOidc}`,
    caFile: ca.certFile,
    env: () => ({
      NODE_EXTRA_CA_CERTS: ca.certFile,
      IDENTITY_ENDPOINT: `${origin}${paths.managedIdentity}`,
      IDENTITY_HEADER: identityHeader,
      AZURE_AUTHORITY_HOST: origin,
    }),
    pythonEnv: () => ({
      REQUESTS_CA_BUNDLE: ca.certFile,
      IDENTITY_ENDPOINT: `${origin}${paths.managedIdentity}`,
      IDENTITY_HEADER: identityHeader,
      AZURE_AUTHORITY_HOST: origin,
    }),
    azureCliEnv: () => ({
      REQUESTS_CA_BUNDLE: ca.certFile,
      MSI_ENDPOINT: `${origin}${paths.managedIdentity}`,
      MSI_SECRET: identityHeader,
      // msrestazure (Azure CLI 2.45) uses the secret protocol only when it sees App Service.
      APPSETTING_WEBSITE_SITE_NAME: "aml-secrets-emulator",
    }),
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    logs,
    setFaults: (partial: Partial<FaultSettings>) => faults.set(partial),
    setLatency: (ms: number) => {
      latencyMs = ms;
    },
    seed: (name: string, value: string, props?: SeedProps): string => {
      if (store.find(name)?.deleted)
        throw new Error(`seed: secret ${name} is soft-deleted; recover or purge it first`);
      return store.addVersion(name, value, props).version;
    },
    softDelete: (name: string) => {
      if (!store.softDelete(name)) throw new Error(`softDelete: no live secret ${name}`);
    },
    versions: (name: string): SecretVersionState[] =>
      (store.find(name)?.versions ?? []).map(versionState),
    isDeleted: (name: string) => store.find(name)?.deleted !== undefined,
    addWorkspace: (ws: Workspace) => {
      workspaces.push({ ...ws });
    },
    graphUrl: graph.graphUrl,
    addStorageAccount: (account) => {
      storageAccounts.add(account);
    },
    blobEndpoint,
    addApplication: (appId: string) => applications.add(appId).id,
    addSubscription: (subscriptionId: string) => {
      if (!subscriptions.includes(subscriptionId)) subscriptions.push(subscriptionId);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
  return emulator;
}
