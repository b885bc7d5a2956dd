import type { SecretClient } from "@azure/keyvault-secrets";
import { VaultError } from "../errors.ts";
import type { RequestGate } from "./gate.ts";
import { serviceSaid } from "./service-error.ts";

/**
 * `disable-previous-versions`: disables every enabled version of `name` other than
 * `keepVersion` (the one just written) and returns how many it disabled. Every version is
 * tried; when some fail, the error says how many were disabled and which were not, so a
 * re-run (which finds only the ones left) finishes the job.
 */
export async function disableOlderVersions(
  client: SecretClient,
  gate: RequestGate,
  name: string,
  keepVersion: string,
): Promise<number> {
  const older = await gate.read(name, async (abortSignal, progress) => {
    const found: string[] = [];
    for await (const properties of client.listPropertiesOfSecretVersions(name, { abortSignal })) {
      progress?.();
      if (properties.enabled === false || properties.version === undefined) continue;
      if (properties.version === keepVersion) continue;
      found.push(properties.version);
    }
    return found;
  });
  const outcomes = await Promise.allSettled(
    older.map((version) =>
      gate.write(name, (abortSignal) =>
        client.updateSecretProperties(name, version, { enabled: false, abortSignal }),
      ),
    ),
  );
  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === "rejected" ? [`${older[i]}: ${serviceSaid(outcome.reason)}`] : [],
  );
  const disabled = older.length - failures.length;
  if (failures.length > 0) {
    throw new VaultError(
      `disabled ${disabled} of ${older.length} older versions of secret ${name}; still enabled: ${failures.join("; ")}`,
    );
  }
  return disabled;
}
