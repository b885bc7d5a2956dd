/**
 * The CLI's connection: `--auth` (`auto`, `azure-cli`, `managed-identity`, `client-secret`
 * from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET), `--cloud` and
 * `--resource-manager-url`, turned into a `TokenCredential` in this one place. No request here.
 */
import { ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { clouds } from "../../core/vault/clouds.ts";
import { azureCliCredential } from "../azure-cli-credential.ts";
import { ValidationError } from "../../core/errors.ts";
import {
  createNetworkClient,
  environmentProxyPassword,
  managedIdentityEndpoints,
} from "../../core/vault/network.ts";
import type { Connection } from "../../core/platform.ts";

export const authModes = ["auto", "azure-cli", "managed-identity", "client-secret"] as const;
export type AuthMode = (typeof authModes)[number];

export interface ConnectOptions {
  auth?: string;
  cloud?: string;
  resourceManagerUrl?: string;
  env: NodeJS.ProcessEnv;
  /** Masks the client secret (the CLI remembers it for redaction). */
  mask: (value: string) => void;
}

export function connectCli(options: ConnectOptions): Connection & { secrets?: string[] } {
  const problems: string[] = [];
  const { env } = options;
  // The password of a proxy URL in HTTPS_PROXY: the SDK uses it, nothing may print it.
  const proxyPassword = environmentProxyPassword(env);
  if (proxyPassword) options.mask(proxyPassword);
  const proxySecrets = proxyPassword ? [proxyPassword] : [];
  const cloudName = options.cloud ?? "AzureCloud";
  const cloud = clouds[cloudName];
  if (!cloud)
    problems.push(`--cloud must be one of ${Object.keys(clouds).join(", ")}, not ${cloudName}`);
  let resourceManagerUrl: string | undefined;
  if (options.resourceManagerUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.resourceManagerUrl);
    } catch {
      problems.push(`--resource-manager-url ${options.resourceManagerUrl} is not a URL`);
    }
    if (url && url.protocol !== "https:") problems.push("--resource-manager-url must use https");
    resourceManagerUrl = options.resourceManagerUrl.replace(/\/+$/, "");
  }
  const auth = (options.auth ?? "auto") as AuthMode;
  if (!authModes.includes(auth))
    problems.push(`--auth must be one of ${authModes.join(", ")}, not ${options.auth}`);
  const clientId = env.AZURE_CLIENT_ID || undefined;
  const tenantId = env.AZURE_TENANT_ID || undefined;
  const clientSecret = env.AZURE_CLIENT_SECRET || undefined;
  const mode: AuthMode =
    auth !== "auto"
      ? auth
      : clientId && tenantId && clientSecret
        ? "client-secret"
        : env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT
          ? "managed-identity"
          : "azure-cli";
  if (mode === "client-secret") {
    const missing = [
      ["AZURE_CLIENT_ID", clientId],
      ["AZURE_TENANT_ID", tenantId],
      ["AZURE_CLIENT_SECRET", clientSecret],
    ].flatMap(([name, value]) => (value ? [] : [name]));
    if (missing.length > 0)
      problems.push(`--auth client-secret needs ${missing.join(", ")} in the environment`);
  }
  if (problems.length > 0 || !cloud) throw new ValidationError(problems);

  const subscriptionId = env.AZURE_SUBSCRIPTION_ID || undefined;
  // Every request, token requests included, goes through the one bounded transport (network.ts);
  // the managed-identity endpoint is never proxied.
  const httpClient = createNetworkClient({ identityEndpoints: managedIdentityEndpoints(env) });
  const base: Pick<Connection, "cloud" | "subscriptionId" | "resourceManagerUrl" | "httpClient"> & {
    secrets?: string[];
  } = {
    httpClient,
    cloud: {
      name: cloud.name,
      resourceManager: cloud.resourceManager,
      vaultSuffix: cloud.vaultSuffix,
    },
    ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    ...(resourceManagerUrl !== undefined ? { resourceManagerUrl } : {}),
    ...(proxySecrets.length > 0 ? { secrets: proxySecrets } : {}),
  };
  switch (mode) {
    case "client-secret": {
      const secret = clientSecret ?? "";
      options.mask(secret);
      const authorityHost = env.AZURE_AUTHORITY_HOST || cloud.authorityHost;
      const known = Object.values(clouds).some(
        (c) => c.authorityHost === authorityHost.replace(/\/+$/, ""),
      );
      return {
        ...base,
        credential: new ClientSecretCredential(tenantId ?? "", clientId ?? "", secret, {
          authorityHost,
          // MSAL asks the public cloud whether an unknown authority (Azure Stack, the emulator)
          // is trusted, and refuses it; the user named it on purpose.
          disableInstanceDiscovery: !known,
          httpClient,
        }),
        describe: `client secret (client ${clientId}, tenant ${tenantId}, authority ${authorityHost})`,
        hint: `check AZURE_CLIENT_SECRET is current for application ${clientId}`,
        secrets: [secret, ...proxySecrets],
      };
    }
    case "managed-identity":
      return {
        ...base,
        credential: clientId
          ? new ManagedIdentityCredential({ clientId, httpClient })
          : new ManagedIdentityCredential({ httpClient }),
        describe: clientId
          ? `user-assigned managed identity (client ${clientId})`
          : "the machine's managed identity",
        hint: `managed identity works only on an Azure host with that identity assigned`,
      };
    default:
      return {
        ...base,
        credential: azureCliCredential(tenantId),
        describe: "the Azure CLI session (az login)",
        hint: `run az login (and az account set) first`,
      };
  }
}
