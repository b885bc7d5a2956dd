import type { Cloud } from "../platform.ts";

/** The Azure clouds the `cloud` input names, with their Entra authority. */
export const clouds: Record<string, Cloud & { authorityHost: string }> = {
  AzureCloud: {
    name: "AzureCloud",
    resourceManager: "https://management.azure.com",
    vaultSuffix: ".vault.azure.net",
    authorityHost: "https://login.microsoftonline.com",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    resourceManager: "https://management.chinacloudapi.cn",
    vaultSuffix: ".vault.azure.cn",
    authorityHost: "https://login.chinacloudapi.cn",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    resourceManager: "https://management.usgovcloudapi.net",
    vaultSuffix: ".vault.usgovcloudapi.net",
    authorityHost: "https://login.microsoftonline.us",
  },
};
