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

/**
 * A request the step did not send because it was cancelled (SIGINT / SIGTERM): the entry is
 * `skipped`, not failed. `inFlight`: the request had been sent and was given up on; the vault
 * may or may not have done it, so that entry fails and says so.
 */
export class CancelledError extends Error {
  static readonly notReached = "not reached: the step was cancelled";
  constructor(readonly inFlight = false) {
    super(
      inFlight
        ? "the step was cancelled while this request was in flight: the vault may or may not have done it"
        : CancelledError.notReached,
    );
    this.name = "CancelledError";
  }
}
