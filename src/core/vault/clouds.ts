import type { Cloud } from "../platform.ts";

/** What a cloud's Entra ID needs beyond the endpoints every platform uses. */
export interface CloudAuthority {
  authorityHost: string;
  /**
   * The audience Entra expects in a federated token (GitHub OIDC): one per cloud, as Microsoft
   * lists them ("Configure an application to trust a managed identity",
   * learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
   * azure/login asks for the public cloud's whatever its `environment` (Azure/login#452).
   */
  tokenExchangeAudience: string;
}

/** The Azure clouds the `cloud` input names, with their Entra authority. */
export const clouds: Record<string, Cloud & CloudAuthority> = {
  AzureCloud: {
    name: "AzureCloud",
    resourceManager: "https://management.azure.com",
    vaultSuffix: ".vault.azure.net",
    authorityHost: "https://login.microsoftonline.com",
    tokenExchangeAudience: "api://AzureADTokenExchange",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    resourceManager: "https://management.chinacloudapi.cn",
    vaultSuffix: ".vault.azure.cn",
    authorityHost: "https://login.chinacloudapi.cn",
    tokenExchangeAudience: "api://AzureADTokenExchangeChina",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    resourceManager: "https://management.usgovcloudapi.net",
    vaultSuffix: ".vault.usgovcloudapi.net",
    authorityHost: "https://login.microsoftonline.us",
    tokenExchangeAudience: "api://AzureADTokenExchangeUSGov",
  },
};
