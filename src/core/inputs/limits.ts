/** Key Vault's limits on what is stored with a secret, checked before any request. */
export const limits = {
  valueBytes: 25 * 1024,
  tags: 15,
  tagNameLength: 256,
  tagValueLength: 256,
  contentTypeLength: 255,
} as const;
