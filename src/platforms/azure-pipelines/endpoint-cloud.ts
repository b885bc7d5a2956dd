import { clouds } from "../../core/vault/clouds.ts";
import type { Cloud } from "../../core/platform.ts";
import type { ServiceEndpoint } from "./service-endpoint.ts";

/** The cloud a connection points at, with where its identities sign in. */
export interface EndpointCloud {
  /** `resourceManager` is whom ARM tokens are for. */
  cloud: Cloud;
  /** Where ARM requests go when not to `cloud.resourceManager` (Azure Stack, a private endpoint, the emulator). */
  resourceManagerUrl: string | undefined;
  /** The Entra (or AD FS) authority, without the tenant (or `/adfs`) path. */
  authorityHost: string;
  /** AD FS (Azure Stack Hub disconnected): identity's tenant is then `adfs`. */
  adfs: boolean;
  /**
   * Instance discovery asks login.microsoftonline.com whether the authority is known; an
   * authority of Azure Stack, a private cloud or the emulator is not, and that machine may not
   * reach the public cloud at all, so discovery is turned off for any host but the public ones.
   */
  disableInstanceDiscovery: boolean;
}

const publicAuthorityHosts = new Set([
  "login.microsoftonline.com",
  "login.windows.net",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoftonline.us",
  "login.usgovcloudapi.net",
]);

/**
 * Selects Resource Manager, vault suffix and authority from the connection's `environment`,
 * URL and data, the way the Azure tasks read them: the connection's own values first, then the
 * named cloud's. `AzureStack` connections carry their own URLs; nothing is fetched here (the
 * Azure tasks ask Azure Stack's metadata endpoint, which would be a request before validation).
 * Adds to `problems` what is missing or malformed.
 */
export function endpointCloud(endpoint: ServiceEndpoint, problems: string[]): EndpointCloud {
  const environment = endpoint.data.environment || "AzureCloud";
  const stack = environment.toLowerCase() === "azurestack";
  const known = Object.values(clouds).find(
    (c) => c.name.toLowerCase() === environment.toLowerCase(),
  );
  const where = `service connection ${endpoint.id}`;
  if (!known && !stack) {
    problems.push(
      `${where}: environment ${environment} is not one this task knows (AzureCloud, AzureChinaCloud, AzureUSGovernment, AzureStack)`,
    );
  }

  // Where ARM requests go: the connection's URL. Whom tokens are for: the named cloud's ARM, or
  // for Azure Stack the audience the connection carries (its ARM URL when it carries none).
  const armUrl = httpsUrl(endpoint.url, `${where}: URL`, problems);
  if (!armUrl && stack)
    problems.push(`${where}: an AzureStack connection needs its Resource Manager URL`);
  const stackAudience = stack
    ? httpsUrl(
        endpoint.data.activedirectoryserviceendpointresourceid,
        `${where}: ARM audience`,
        problems,
      )
    : undefined;
  const resourceManager = known?.resourceManager ?? stackAudience ?? armUrl ?? "";

  const authorityText =
    endpoint.data.activedirectoryauthority || endpoint.data.environmentauthorityurl;
  const authority = httpsUrl(authorityText, `${where}: authority URL`, problems);
  if (!authority && stack) {
    problems.push(
      `${where}: an AzureStack connection needs its authority (data activeDirectoryAuthority or environmentAuthorityUrl)`,
    );
  }
  const authorityUrl = new URL(
    authority ?? known?.authorityHost ?? "https://login.microsoftonline.com",
  );
  const adfs =
    endpoint.data.enableadfsauthentication?.toLowerCase() === "true" ||
    /\/adfs\/?$/i.test(authorityUrl.pathname);

  return {
    cloud: {
      name: known?.name ?? "AzureStack",
      resourceManager,
      vaultSuffix: vaultSuffix(endpoint, known?.vaultSuffix, armUrl),
    },
    resourceManagerUrl: armUrl && armUrl !== resourceManager ? armUrl : undefined,
    authorityHost: authorityUrl.href.replace(/\/+$/, "").replace(/\/adfs$/i, ""),
    adfs,
    disableInstanceDiscovery: !publicAuthorityHosts.has(authorityUrl.hostname),
  };
}

/**
 * The connection's `AzureKeyVaultDnsSuffix` (`vault.azure.net`), else the named cloud's; for
 * Azure Stack without one, Azure Stack's own rule: `management.<region>.<fqdn>` serves vaults
 * at `vault.<region>.<fqdn>`.
 */
function vaultSuffix(
  endpoint: ServiceEndpoint,
  cloudSuffix: string | undefined,
  arm: string | undefined,
): string {
  const given = endpoint.data.azurekeyvaultdnssuffix?.trim();
  if (given) return given.startsWith(".") ? given : `.${given}`;
  if (cloudSuffix) return cloudSuffix;
  const host = arm ? new URL(arm).hostname : "";
  return host.startsWith("management.") ? `.vault.${host.slice("management.".length)}` : "";
}

/** The URL without a trailing slash, or undefined (with a problem when it was given but is not https). */
function httpsUrl(text: string | undefined, what: string, problems: string[]): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${what} ${text} is not a URL`);
    return undefined;
  }
  if (url.protocol !== "https:") {
    problems.push(`${what} ${text} must use https`);
    return undefined;
  }
  return url.href.replace(/\/+$/, "");
}
