import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient, Pipeline } from "@azure/core-rest-pipeline";
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
 * The SDK's pipeline policies that do nothing for this product, yet cost each request an async
 * step (a promise and a closure) and some their own work; removed from the vault client's
 * pipeline by name (docs/design.md, "The cost of one request"). Each is inert here:
 *
 * - `tracingPolicy`: its spans never record. The bundle holds its own copy of
 *   `@azure/core-tracing`, whose instrumenter nothing can set (the product calls no
 *   `useInstrumenter`), so every span is the no-op one; the policy still parsed and sanitised
 *   each request's URL for the span's attributes first.
 * - `defaultRetryPolicy` and `redirectPolicy`: off already (`maxRetries: 0`, kept below should a
 *   name stop matching), yet each ran per request, building its log strings.
 * - `decompressResponsePolicy`: it asks for gzip, which network.ts takes back off every request
 *   (an answer is read bounded, and inflated there only if a server compresses all the same).
 * - `formDataPolicy`, `multipartPolicy`: for form and multipart bodies; a vault request's body
 *   is JSON.
 * - `wrapAbortSignalLikePolicy`: it wraps a signal that is not Node's `AbortSignal`; the gate's are.
 *
 * Kept: the proxy policy (`HTTPS_PROXY`), the user agent and `x-ms-client-request-id` (what Key
 * Vault's support asks for), the SDK's api-version and content-type policies, Key Vault's
 * authentication, and the log policy (`AZURE_LOG_LEVEL`, one check per request when it is off).
 */
export const inertPolicies = [
  "tracingPolicy",
  "defaultRetryPolicy",
  "redirectPolicy",
  "decompressResponsePolicy",
  "formDataPolicy",
  "multipartPolicy",
  "wrapAbortSignalLikePolicy",
] as const;

/**
 * The vault client's pipeline. `SecretClient` takes options to add policies but none to remove
 * one; it removes and adds its own through this same field (`client.pipeline`) in its
 * constructor. test/core/vault/client.test.ts checks the policies it holds.
 */
export function vaultPipeline(client: SecretClient): Pipeline {
  return (client as unknown as { client: { pipeline: Pipeline } }).client.pipeline;
}

/**
 * The one place a `SecretClient` is made. The SDK's check that the 401 challenge names a
 * resource matching the vault host stays on, except for a loopback host (the emulator),
 * where no resource can match. Retries are the core's own (gate.ts), so the SDK's are off, and
 * redirects are not followed: Key Vault sends none. `httpClient` is the connection's transport
 * (network.ts: answers of bounded size), made here when the platform gives none. Every request
 * passes `vaultBoundsPolicy` last, after the token is set: to the vault's own origin only,
 * listings of bounded length (vault-bounds.ts).
 */
export function createSecretClient(
  vaultUrl: string,
  credential: TokenCredential,
  httpClient?: HttpClient,
): SecretClient {
  const url = new URL(vaultUrl);
  if (url.protocol !== "https:")
    throw new ValidationError([`vault URL ${vaultUrl} must use https`]);
  const client = new SecretClient(vaultUrl, credential, {
    disableChallengeResourceVerification: isLoopback(url),
    retryOptions: { maxRetries: 0 },
    redirectOptions: { maxRetries: 0 },
    httpClient: httpClient ?? createNetworkClient(),
    // perRetry: after the Sign phase, where the SDK's Key Vault authentication policy sits.
    additionalPolicies: [{ policy: vaultBoundsPolicy(vaultUrl), position: "perRetry" }],
  });
  const pipeline = vaultPipeline(client);
  for (const name of inertPolicies) pipeline.removePolicy({ name });
  return client;
}
