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
 * Text a server wrote (a service's message, a library's that may quote one), held back from
 * every output: a message carries only a marker for it, and the reporter alone puts it back,
 * after checking that it holds no known value (report/clean-text.ts). A string that reaches an
 * output any other way shows the marker, never the text.
 */
const held = new Map<number, string>();
const marker = /\uE000(\d+)\uE001/g;

/** A marker standing for `text` in a message. */
export function untrusted(text: string): string {
  const id = held.size + 1;
  held.set(id, text.replace(/[\uE000\uE001]/g, ""));
  return `\uE000${id}\uE001`;
}

/** `text` with each marker replaced by what `show` makes of the text it stands for. */
export function resolveUntrusted(text: string, show: (server: string) => string): string {
  if (!text.includes("\uE000")) return text;
  return text.replace(marker, (all: string, id: string) => {
    const server = held.get(Number(id));
    return server === undefined ? all : show(server);
  });
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
