import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { SecretClient } from "@azure/keyvault-secrets";
import { ValidationError } from "../errors.ts";
import { createNetworkClient } from "./network.ts";
import { vaultBoundsPolicy } from "./vault-bounds.ts";

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for the local emulator's hosts, where the challenge's resource cannot match the host. */
export function isLoopback(url: URL): boolean {
  return loopbackHosts.has(url.hostname);
}

/**
 * The one place a `SecretClient` is made. The SDK's check that the 401 challenge names a
 * resource matching the vault host stays on, except for a loopback host (the emulator),
 * where no resource can match. Retries are the core's own (see requests.ts), so the SDK's are off.
 * `httpClient` is the connection's transport (network.ts: answers of bounded size), made here
 * when the platform gives none. Every request passes `vaultBoundsPolicy` last, after the token is
 * set: to the vault's own origin only, listings of bounded length (vault-bounds.ts). Redirects
 * are not followed: Key Vault sends none, and a hop is one more place a token could go.
 */
export function createSecretClient(
  vaultUrl: string,
  credential: TokenCredential,
  httpClient?: HttpClient,
): SecretClient {
  const url = new URL(vaultUrl);
  if (url.protocol !== "https:")
    throw new ValidationError([`vault URL ${vaultUrl} must use https`]);
  return new SecretClient(vaultUrl, credential, {
    disableChallengeResourceVerification: isLoopback(url),
    retryOptions: { maxRetries: 0 },
    redirectOptions: { maxRetries: 0 },
    httpClient: httpClient ?? createNetworkClient(),
    // perRetry: after the Sign phase, where the SDK's Key Vault authentication policy sits.
    additionalPolicies: [{ policy: vaultBoundsPolicy(vaultUrl), position: "perRetry" }],
  });
}
