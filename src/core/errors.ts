/** Bad input: every problem found, reported together before any request is made. */
export class ValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems:\n- ${problems.join("\n- ")}`,
    );
    this.name = "ValidationError";
  }
}

/** A Key Vault or ARM request that failed, with what the service said. Never carries a value. */
export class VaultError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "VaultError";
  }
}

/** The message of anything thrown, for `catch (e: unknown)`. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "string" ? e : JSON.stringify(e);
}
