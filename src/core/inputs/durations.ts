const unitMs: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration like `90d`, `12h`, `1d12h` (units s, m, h, d, w) in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const compact = text.replace(/\s+/g, "").toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (unitMs[unit ?? ""] ?? Number.NaN);
  }
  // Beyond year 9999 no Date (nor Key Vault) can hold it.
  return Number.isSafeInteger(total) && total < 250_000 * 86_400_000 ? total : undefined;
}
