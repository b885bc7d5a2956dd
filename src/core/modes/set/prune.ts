/**
 * Set mode's `prune`: the secrets this pipeline owns and no longer maps. Tags are per version
 * and a listing shows the latest version's, so a secret qualifies only while the version
 * aml-secrets last wrote under this `owner` is still its latest: anyone else's write (which
 * does not carry the tag) takes it out of the pipeline's hands.
 */
import type { SecretProperties } from "@azure/keyvault-secrets";
import { ownerTag } from "./inputs.ts";

/**
 * Whether a listed secret the mapping does not name is one to soft-delete: enabled, not
 * certificate-backed, and its latest version carries `aml-secrets-owner=<owner>`. A disabled
 * secret is left alone: someone took it out of use on purpose.
 */
export function pruneCandidate(p: SecretProperties, owner: string): boolean {
  return p.enabled !== false && p.managed !== true && p.tags?.[ownerTag] === owner;
}
