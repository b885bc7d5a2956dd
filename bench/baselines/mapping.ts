/**
 * What both baseline loops share: the arguments (VAULT_URL MAPPING_FILE, `vault-name: VARIABLE`
 * lines, the values in the environment), a default SecretClient (the SDK's own retries on, so
 * it honours Retry-After, as users have it), and the one line they print. Bundled with the
 * loops by bench/helpers.ts with the product's esbuild options, so that they load the SDK the
 * way the product does.
 */
import { readFileSync } from "node:fs";
import { ManagedIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

export interface Entry {
  name: string;
  value: string;
}

export function loopArguments(): { client: SecretClient; entries: Entry[] } {
  const [vaultUrl = "", mappingFile = ""] = process.argv.slice(2);
  const client = new SecretClient(vaultUrl, new ManagedIdentityCredential(), {
    // The emulator is on loopback, where the challenge's resource cannot match the host.
    disableChallengeResourceVerification: true,
  });
  const entries = readFileSync(mappingFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [name = "", variable = ""] = line.split(":").map((part) => part.trim());
      return { name, value: process.env[variable] ?? "" };
    });
  return { client, entries };
}

/** Counts by outcome, then `{"set": n, ...}` on stdout and nothing else. */
export type Counts = Record<"set" | "unchanged" | "recovered" | "failed", number>;

export function report(counts: Counts): void {
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}

/** The HTTP status of an SDK error (a `RestError`), as a user's `catch` reads it. */
export function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}
