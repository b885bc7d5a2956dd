/**
 * The Azure CLI session as a `TokenCredential`, for the GitHub adapter and the CLI.
 *
 * Key Vault's 401 challenge names its tenant, and the SDK passes it on to the credential, which
 * runs `az account get-access-token --tenant T`. An Azure CLI signed in with a managed identity
 * (`az login --identity`, azure/login's `auth-type: IDENTITY`) refuses any `--tenant` before
 * 2.76 ("Tenant shouldn't be specified for managed identity account"; Azure/azure-cli#31869,
 * Azure/azure-sdk-for-python#41875), Debian's 2.45 included. A managed identity has only its
 * own tenant, so the token is asked for again without one. A tenant given as an input is kept.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { AzureCliCredential } from "@azure/identity";
import { errorMessage } from "../core/errors.ts";

const refusesTenant = /Tenant shouldn't be specified for managed identity account/;

export function azureCliCredential(tenantId?: string): TokenCredential {
  if (tenantId) return new AzureCliCredential({ tenantId });
  const cli = new AzureCliCredential();
  return {
    async getToken(
      scopes: string | string[],
      options: GetTokenOptions = {},
    ): Promise<AccessToken | null> {
      try {
        return await cli.getToken(scopes, options);
      } catch (e: unknown) {
        if (!options.tenantId || !refusesTenant.test(errorMessage(e))) throw e;
        return cli.getToken(scopes, { ...options, tenantId: undefined });
      }
    },
  };
}
