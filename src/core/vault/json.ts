/** `value[key]` of an untyped object (parsed JSON, an error from a library), or undefined. */
export function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
