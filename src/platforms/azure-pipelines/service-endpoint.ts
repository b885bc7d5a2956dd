/**
 * What the task reads from an AzureRM service connection, as the agent hands it to the task
 * (`ENDPOINT_URL_<id>`, `ENDPOINT_AUTH_SCHEME_<id>`, `ENDPOINT_AUTH_PARAMETER_<id>_<KEY>`,
 * `ENDPOINT_DATA_<id>_<KEY>`). Plain data, so that turning it into a credential can be tested
 * without the task library.
 */

/** Authorization parameters of an AzureRM connection (the agent's keys, lower-cased). */
export const authParameters = [
  "tenantid",
  "serviceprincipalid",
  "serviceprincipalkey",
  "authenticationtype",
  "serviceprincipalcertificate",
] as const;

/** Data parameters of an AzureRM connection (lower-cased). */
export const dataParameters = [
  "subscriptionid",
  "environment",
  "activedirectoryauthority",
  "environmentauthorityurl",
  "activedirectoryserviceendpointresourceid",
  "azurekeyvaultdnssuffix",
  "msiclientid",
  "enableadfsauthentication",
] as const;

export type AuthParameter = (typeof authParameters)[number];
export type DataParameter = (typeof dataParameters)[number];

export interface ServiceEndpoint {
  /** The connection's id: the value of the `azureSubscription` input. */
  id: string;
  /** The Resource Manager URL of the connection's cloud. */
  url?: string;
  /** `WorkloadIdentityFederation`, `ServicePrincipal`, `ManagedServiceIdentity`, ... */
  scheme?: string;
  auth: Partial<Record<AuthParameter, string>>;
  data: Partial<Record<DataParameter, string>>;
  /** `System.AccessToken`, from the `SystemVssConnection` endpoint (workload identity). */
  systemAccessToken?: string;
  /** `SYSTEM_OIDCREQUESTURI`, where the federated token is asked for (workload identity). */
  oidcRequestUri?: string;
}
