import type { TokenCredential } from "@azure/core-auth";
import {
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
} from "@azure/identity";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ValidationError } from "../../core/errors.ts";
import { createNetworkClient, managedIdentityEndpoints } from "../../core/vault/network.ts";
import type { Connection } from "../../core/platform.ts";
import type { AgentNetwork } from "./agent-network.ts";
import { endpointCloud, type EndpointCloud } from "./endpoint-cloud.ts";
import type { ServiceEndpoint } from "./service-endpoint.ts";

/** A connection with the secrets it carries, which the caller has masked before building it. */
export type ServiceConnection = Connection & { secrets: string[] };

/** Every secret an endpoint carries: masked before anything else is done with the endpoint. */
export function endpointSecrets(endpoint: ServiceEndpoint): string[] {
  return [
    endpoint.auth.serviceprincipalkey,
    endpoint.auth.serviceprincipalcertificate,
    endpoint.systemAccessToken,
  ].filter((s): s is string => Boolean(s));
}

interface Identity {
  credential: TokenCredential;
  /** e.g. `workload identity federation, client 1234, tenant 5678`. */
  kind: string;
  /** What else to check, besides the vault role. */
  check: string;
}

/**
 * Turns an AzureRM service connection into a credential and cloud, the one place that does, with
 * the agent's proxy and certificates (when it has any) under every request, token requests
 * included. Makes no request. Throws a `ValidationError` listing every problem with the
 * connection and the agent's network settings.
 */
export function connectServiceEndpoint(
  endpoint: ServiceEndpoint,
  network: AgentNetwork = { secrets: [], problems: [] },
): ServiceConnection {
  const problems: string[] = [...network.problems];
  // Always the one bounded transport (network.ts), with the agent's proxy and CA when it has any;
  // the machine's managed-identity endpoint is never proxied.
  const httpClient = createNetworkClient({
    ...network.settings,
    identityEndpoints: managedIdentityEndpoints(process.env),
  });
  const place = endpointCloud(endpoint, problems);
  const identity = endpointIdentity(endpoint, place, httpClient, problems);
  if (problems.length > 0 || !identity) throw new ValidationError(problems);
  return {
    credential: identity.credential,
    ...(httpClient ? { httpClient } : {}),
    cloud: place.cloud,
    ...(place.resourceManagerUrl ? { resourceManagerUrl: place.resourceManagerUrl } : {}),
    subscriptionId: endpoint.data.subscriptionid || undefined,
    describe: `Azure Pipelines service connection ${endpoint.id} (${identity.kind})`,
    hint: identity.check,
    secrets: [...endpointSecrets(endpoint), ...network.secrets],
  };
}

function endpointIdentity(
  endpoint: ServiceEndpoint,
  place: EndpointCloud,
  httpClient: HttpClient | undefined,
  problems: string[],
): Identity | undefined {
  const where = `service connection ${endpoint.id}`;
  // A connection without a scheme is a service principal: the Azure tasks read it so too.
  const scheme = endpoint.scheme || "ServicePrincipal";
  const transport = httpClient ? { httpClient } : {};
  const options = {
    authorityHost: place.authorityHost,
    disableInstanceDiscovery: place.disableInstanceDiscovery,
    ...transport,
  };
  const clientId = endpoint.auth.serviceprincipalid;
  const tenantId = place.adfs ? "adfs" : endpoint.auth.tenantid;
  const ids = `client ${clientId}, tenant ${tenantId}`;
  const need = (value: string | undefined, what: string): void => {
    if (!value) problems.push(`${where} (${scheme}): ${what} is missing`);
  };

  switch (scheme.toLowerCase()) {
    case "workloadidentityfederation": {
      const token = endpoint.systemAccessToken;
      need(tenantId, "the tenant id (authorization parameter tenantid)");
      need(clientId, "the client id (authorization parameter serviceprincipalid)");
      need(
        token,
        "the job's access token (the SystemVssConnection endpoint's AccessToken, which the agent gives every task)",
      );
      need(
        endpoint.oidcRequestUri,
        "SYSTEM_OIDCREQUESTURI (the agent sets it for workload identity federation; update the agent if it does not)",
      );
      if (!tenantId || !clientId || !token || !endpoint.oidcRequestUri) return undefined;
      return {
        credential: new AzurePipelinesCredential(tenantId, clientId, endpoint.id, token, options),
        kind: `workload identity federation, ${ids}`,
        check: `check that app registration ${clientId} has a federated credential whose issuer and subject match this service connection (subject sc://<organization>/<project>/<connection name>)`,
      };
    }
    case "serviceprincipal": {
      const usesCertificate = endpoint.auth.authenticationtype?.toLowerCase() === "spncertificate";
      const certificate = endpoint.auth.serviceprincipalcertificate;
      const secret = endpoint.auth.serviceprincipalkey;
      need(tenantId, "the tenant id (authorization parameter tenantid)");
      need(clientId, "the client id (authorization parameter serviceprincipalid)");
      if (usesCertificate)
        need(certificate, "the certificate (authorization parameter servicePrincipalCertificate)");
      else need(secret, "the client secret (authorization parameter serviceprincipalkey)");
      if (!tenantId || !clientId) return undefined;
      if (usesCertificate) {
        if (!certificate) return undefined;
        return {
          // The PEM (certificate and private key) stays in memory: it is never written to disk.
          credential: new ClientCertificateCredential(tenantId, clientId, { certificate }, options),
          kind: `service principal with a certificate, ${ids}`,
          check: `check that the certificate is registered on app registration ${clientId} and has not expired`,
        };
      }
      if (!secret) return undefined;
      return {
        credential: new ClientSecretCredential(tenantId, clientId, secret, options),
        kind: `service principal with a secret, ${ids}`,
        check: `check that the client secret of app registration ${clientId} has not expired`,
      };
    }
    case "managedserviceidentity": {
      const msiClientId = endpoint.data.msiclientid;
      return {
        credential: new ManagedIdentityCredential({
          ...(msiClientId ? { clientId: msiClientId } : {}),
          ...transport,
        }),
        kind: msiClientId
          ? `managed identity, client ${msiClientId}`
          : "the agent machine's managed identity",
        check: "check that the identity is assigned to the agent's machine",
      };
    }
    default:
      problems.push(
        `${where}: authentication scheme ${scheme} is not supported; use workload identity federation, a service principal (secret or certificate) or a managed identity`,
      );
      return undefined;
  }
}
