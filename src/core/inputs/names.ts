/**
 * Names on both sides of the mapping: pipeline variables are `UPPER_SNAKE` (dots allowed),
 * vault secrets `lower-kebab`. Key Vault compares secret names without regard to case.
 */

/** Key Vault's rule for secret names. */
export const vaultNamePattern = /^[0-9a-zA-Z-]{1,127}$/;

/** Pipeline `UPPER_SNAKE` (dots too) -> vault `lower-kebab`: `DB_PASSWORD` -> `db-password`, `app.token` -> `app-token`. */
export function toVaultName(pipelineName: string): string {
  return pipelineName.replace(/[_.]/g, "-").toLowerCase();
}

/** Vault `lower-kebab` -> pipeline `UPPER_SNAKE`: `api-key` -> `API_KEY`. */
export function toPipelineName(vaultName: string): string {
  return vaultName.replace(/-/g, "_").toUpperCase();
}

/** Why `name` is not a valid vault secret name, or undefined when it is. */
export function vaultNameProblem(name: string): string | undefined {
  if (vaultNamePattern.test(name)) return undefined;
  if (name.length === 0) return "a vault secret name cannot be empty";
  if (name.length > 127)
    return `vault secret name ${name.slice(0, 40)}… is ${name.length} characters long (at most 127)`;
  return `\`${name}\` is not a valid vault secret name (1 to 127 letters, digits and hyphens)`;
}

/** The key two vault names meet at (Key Vault ignores case). */
export function vaultKey(name: string): string {
  return name.toLowerCase();
}
