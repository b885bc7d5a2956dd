/**
 * A bare vault name as `vault-url` (`myvault`): completed with the connection's cloud's vault
 * suffix (`.vault.azure.net`, `.vault.azure.cn`, `.vault.usgovcloudapi.net`) once the cloud is
 * known, and checked here as Key Vault checks a vault name, before any request.
 */

/** A `vault-url` that is no URL and no host name: letters, digits and hyphens only. */
export function bareVaultName(value: string): boolean {
  return /^[0-9A-Za-z-]+$/.test(value);
}

/**
 * Key Vault's rule for vault names: 3 to 24 characters, letters, digits and hyphens, starting
 * with a letter, ending with a letter or digit, no two hyphens in a row.
 */
export function keyVaultNameProblem(name: string, what: string): string | undefined {
  if (/^(?=.{3,24}$)[A-Za-z](?:-?[0-9A-Za-z])*$/.test(name)) return undefined;
  return `${what} \`${name}\` is not a Key Vault name (3 to 24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no two hyphens in a row), nor a URL (https://NAME.vault.azure.net)`;
}
