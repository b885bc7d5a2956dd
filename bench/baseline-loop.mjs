// The baseline: what a user would write without aml-secrets. A default SecretClient (the SDK's
// own retries on, as users have them) and one awaited setSecret per secret, always, in order.
// Usage: node baseline-loop.mjs VAULT_URL MAPPING_FILE, with `vault-name: VARIABLE` lines in
// the file and the values in the environment. Prints {"set": n, "failed": n} and nothing else.
import { readFileSync } from "node:fs";
import { ManagedIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

const [vaultUrl, mappingFile] = process.argv.slice(2);
const client = new SecretClient(vaultUrl, new ManagedIdentityCredential(), {
  // The emulator is on loopback, where the challenge's resource cannot match the host.
  disableChallengeResourceVerification: true,
});
let set = 0;
let failed = 0;
for (const line of readFileSync(mappingFile, "utf8").split("\n")) {
  if (line.trim() === "") continue;
  const [name, variable] = line.split(":").map((part) => part.trim());
  try {
    await client.setSecret(name, process.env[variable] ?? "");
    set += 1;
  } catch {
    failed += 1;
  }
}
process.stdout.write(`${JSON.stringify({ set, failed })}\n`);
