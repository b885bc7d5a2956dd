/**
 * Starting the recovery of a soft-deleted secret with one request. The SDK's
 * `beginRecoverDeletedSecret` sends a GET first (is the secret there already?), the recover POST,
 * then a GET to see it done: three requests where set mode needs one, since the write that
 * follows meets 409 `ObjectIsBeingRecovered` until the service is done, which the gate retries.
 * So only the POST is sent, through the SDK's own generated client (the same pipeline, credential,
 * challenge and retries as every other request of the `SecretClient`).
 */
import type { SecretClient } from "@azure/keyvault-secrets";

/** What is passed on (the gate's abort signal). */
interface RecoverOptions {
  abortSignal?: AbortSignal;
}

/** The one operation used of the SDK's generated client (`SecretClient`'s `client` field). */
interface GeneratedClient {
  recoverDeletedSecret(name: string, options: RecoverOptions): Promise<unknown>;
}

function generatedClient(client: SecretClient): GeneratedClient | undefined {
  const inner = (client as unknown as { client?: Partial<GeneratedClient> }).client;
  return typeof inner?.recoverDeletedSecret === "function" ? (inner as GeneratedClient) : undefined;
}

/**
 * Sends the recover POST of `name`. Resolves once the service accepted it (the recovery is
 * under way, not necessarily done). Falls back to the SDK's poller (without polling to the end)
 * if a future SDK no longer has the generated client where 4.x keeps it.
 */
export async function startRecovery(
  client: SecretClient,
  name: string,
  options: RecoverOptions,
): Promise<void> {
  const generated = generatedClient(client);
  if (generated) await generated.recoverDeletedSecret(name, options);
  else await client.beginRecoverDeletedSecret(name, options);
}
