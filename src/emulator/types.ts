/** The emulator's public, in-process API (re-exported by index.ts). */

export interface FaultSettings {
  /** Key Vault's budgets per vault: 300 secret writes and 4,000 other requests per 10 s (sliding window) -> 429 Throttled. */
  quota: boolean;
  /** Whether 429s (quota or random) carry Retry-After (seconds, as Key Vault sends); "half": every other one. */
  retryAfter: "always" | "never" | "half";
  /** 0..1: random 429. */
  throttleRate: number;
  /** 0..1: random 500 / 503. */
  serverErrorRate: number;
  /** 0..1: socket destroyed BEFORE the request is processed (so a retry never double-writes). */
  dropRate: number;
  /**
   * How long a recover takes to complete: meanwhile the secret is not found under /secrets (404)
   * and writes to it answer 409 Conflict ObjectIsBeingRecovered, as Key Vault does.
   */
  recoverDelayMs: number;
  /**
   * How long a delete takes to complete: meanwhile the secret is not found under /deletedsecrets
   * (404, what the SDK's delete poller waits on) and writes to it (purge, recover, set) answer
   * 409 Conflict ObjectIsBeingDeleted.
   */
  deleteDelayMs: number;
  /** Secret names that answer 403 Forbidden (permanent), e.g. to test role errors. */
  forbidden: string[];
  /** Key Vault's 403 refusals with their inner codes, as the service words them (`--forbid`). */
  forbid: ForbidRule[];
  /** From now, every vault request answers 429 for this long (hard throttle). */
  throttleAllMs: number;
  /** Workspace names whose ARM look-up answers 403 AuthorizationFailed. */
  armForbidden: string[];
}

/**
 * Who refuses: the vault's firewall (`ForbiddenByFirewall`), Azure RBAC (`ForbiddenByRbac`), an
 * access-policy vault (`AccessDenied`, "does not have secrets get permission"), or a policy of
 * the vault (`ForbiddenByPolicy`).
 */
export type ForbiddenCode =
  "ForbiddenByFirewall" | "ForbiddenByRbac" | "ForbiddenByPolicy" | "AccessDenied";

/** A 403 the vault answers: every authenticated vault request, or those naming a matching secret. */
export interface ForbidRule {
  code: ForbiddenCode;
  /** A secret-name pattern (`*` any characters, case-insensitive); absent: every request. */
  names?: string;
}

export interface EmulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** JSON file the vault is loaded from at start and written to after each change. */
  dataFile?: string;
  /** Folder of the CA; default AML_TEST_CA_DIR, else ~/.aml-secrets/emulator-ca. */
  caDir?: string;
  latencyMs?: number;
  faults?: Partial<FaultSettings>;
  /**
   * Also serve the Microsoft.KeyVault/vaults api-versions before 2026-02-01, which Key Vault
   * retires on 2027-02-27 (default: refused, as after that date).
   */
  retiredVaultApiVersions?: boolean;
  /**
   * Storage accounts to serve (rotation): ARM GET / listKeys / regenerateKey and a blob endpoint
   * that checks SharedKey signatures. Not persisted by `dataFile`.
   */
  storageAccounts?: StorageAccountRef[];
  /**
   * Microsoft Entra applications to serve, by client id (rotation): Graph `applications` with
   * addPassword / removePassword, and client-credential tokens only for a live password. Not
   * persisted by `dataFile`.
   */
  applications?: string[];
  /**
   * The audiences the Entra stand-in's federated credential takes in a GitHub or Azure Pipelines
   * OIDC assertion (its `aud`); any other is refused with AADSTS700212, as Entra refuses a token
   * no federated credential lists. Default: each cloud's token-exchange audience
   * (`api://AzureADTokenExchange`, `…USGov`, `…China`).
   */
  federatedAudiences?: string[];
  /** Do not keep the process alive for this server (a process-wide helper emulator in tests). */
  unref?: boolean;
  /** Also echo each log line here (the CLI prints them). */
  onLog?: (line: string) => void;
}

export type RequestKind =
  | "secret-write"
  | "secret-read"
  | "challenge"
  | "token"
  | "arm"
  | "oidc"
  | "blob"
  | "graph"
  | "other";

export interface RequestRecord {
  time: number;
  method: string;
  path: string;
  apiVersion?: string;
  status: number;
  /** secret-write = PUT/PATCH/DELETE/POST on /secrets or /deletedsecrets. */
  kind: RequestKind;
  /** The secret name in the path, lower-cased. */
  secret?: string;
  /** Which fault answered, if one did. */
  fault?: string;
  /** A GitHub OIDC token request: the audience it asked for (its `audience` query). */
  audience?: string;
}

export interface SecretVersionState {
  version: string;
  value: string;
  enabled: boolean;
  created: Date;
  updated: Date;
  expires?: Date;
  notBefore?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  managed?: boolean;
}

export interface SeedProps {
  enabled?: boolean;
  expires?: Date;
  notBefore?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  managed?: boolean;
}

export interface Workspace {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  vaultName: string;
}

export interface Emulator {
  /** https://127.0.0.1:PORT (not "localhost": Node may resolve that to ::1). */
  readonly vaultUrl: string;
  /** ARM endpoint on the same server. */
  readonly armUrl: string;
  /** Microsoft Entra stand-in: what identity's `authorityHost` / AZURE_AUTHORITY_HOST points at. */
  readonly authorityHost: string;
  /** The tenant named in the vault's challenge. */
  readonly tenantId: string;
  /** App Service managed identity. */
  readonly identityEndpoint: string;
  readonly identityHeader: string;
  /** Stands in for ACTIONS_ID_TOKEN_REQUEST_URL (GET, Bearer token, &audience=) -> {"value": "<jwt>"}. */
  readonly githubOidcUrl: string;
  /** Stands in for SYSTEM_OIDCREQUESTURI (what AzurePipelinesCredential POSTs to) -> {"oidcToken": "<jwt>"}. */
  readonly pipelinesOidcUrl: string;
  readonly caFile: string;
  /** Environment for a process that talks to this emulator: NODE_EXTRA_CA_CERTS, IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_AUTHORITY_HOST. */
  env(): Record<string, string>;
  /**
   * For Python's azure-identity and azure-keyvault-secrets: REQUESTS_CA_BUNDLE (the CA for
   * `requests`), IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_AUTHORITY_HOST.
   */
  pythonEnv(): Record<string, string>;
  /**
   * For `az login --identity` (Azure CLI 2.45, through msrestazure): REQUESTS_CA_BUNDLE and the
   * older App Service managed identity, MSI_ENDPOINT + MSI_SECRET (api-version 2017-09-01),
   * with APPSETTING_WEBSITE_SITE_NAME, without which msrestazure POSTs Cloud Shell's way instead.
   */
  azureCliEnv(): Record<string, string>;
  readonly requests: RequestRecord[];
  clearRequests(): void;
  /** Every line the emulator logged (never a value: the leak sweep reads them). */
  readonly logs: string[];
  setFaults(faults: Partial<FaultSettings>): void;
  setLatency(ms: number): void;
  /** Adds a version (creating the secret if needed); returns the new version id. */
  seed(name: string, value: string, props?: SeedProps): string;
  softDelete(name: string): void;
  /** Oldest first; [] when none. */
  versions(name: string): SecretVersionState[];
  isDeleted(name: string): boolean;
  addWorkspace(ws: Workspace): void;
  /**
   * Microsoft Graph at this emulator: `https://127.0.0.1:PORT/graph` (requests go to
   * `${graphUrl}/v1.0/applications…`, with a token for `https://graph.microsoft.com/.default`).
   */
  readonly graphUrl: string;
  /** Serves a storage account (see EmulatorOptions.storageAccounts). */
  addStorageAccount(account: StorageAccountRef): void;
  /** A storage account's blob endpoint, path-style: `https://127.0.0.1:PORT/blob/{name}/`. */
  blobEndpoint(name: string): string;
  /** Serves an application by client id (see EmulatorOptions.applications); returns its object id. */
  addApplication(appId: string): string;
  /** What GET /subscriptions lists. */
  addSubscription(subscriptionId: string): void;
  stop(): Promise<void>;
}

/** A storage account the emulator serves for rotation (`--storage-account SUB/RG/NAME`). */
export interface StorageAccountRef {
  subscriptionId: string;
  resourceGroup: string;
  /** 3-24 lower-case letters and digits, as Azure requires. */
  name: string;
}
