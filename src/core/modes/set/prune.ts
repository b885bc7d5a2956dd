/**
 * Set mode's `prune`: the secrets this pipeline owns and no longer maps. Tags are per version
 * and a listing shows the latest version's, so a secret qualifies only while the version
 * aml-secrets last wrote under this `owner` is still its latest: anyone else's write (which
 * does not carry the tag) takes it out of the pipeline's hands.
 */
import type { SecretProperties } from "@azure/keyvault-secrets";
import { vaultKey } from "../../inputs/names.ts";
import { ownerTag } from "./inputs.ts";

/**
 * The secrets to soft-delete, from the plan's listing: enabled, not certificate-backed, whose
 * latest version carries `aml-secrets-owner=<owner>`, and which no entry of this run names
 * (`mapped`: vault keys). A disabled secret is left alone: someone took it out of use on purpose.
 */
export function pruneCandidates(
  listing: Iterable<SecretProperties>,
  owner: string,
  mapped: Set<string>,
): SecretProperties[] {
  const found: SecretProperties[] = [];
  for (const p of listing) {
    if (p.enabled === false || p.managed === true) continue;
    if (p.tags?.[ownerTag] !== owner) continue;
    if (!mapped.has(vaultKey(p.name))) found.push(p);
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
