/**
 * The one gate every vault request goes through: bounded concurrency, pacing to Key Vault's
 * per-vault budgets, and the one retry policy (the SDK's own retries are off, see
 * vault-client.ts, so a 429 is never retried by two layers at once).
 */
import pLimit from "p-limit";
import { serviceError } from "./service-error.ts";

export interface RequestGate {
  /** A request that writes (PUT / PATCH / POST / DELETE): paced to the secret-write budget. */
  write<T>(secret: string, op: () => Promise<T>): Promise<T>;
  /** Any other request (GET, list pages): paced to the budget of other requests. */
  read<T>(secret: string, op: () => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface Budget {
  limit: number;
  windowMs: number;
}

/**
 * Key Vault allows 300 secret writes and 4,000 other requests per 10 s per vault. The gate
 * plans for 90 % of that: other clients of the vault (a training run reading its secrets)
 * share the budget, and clocks on both sides do not agree to the millisecond.
 */
export const keyVaultBudgets: { writes: Budget; others: Budget } = {
  writes: { limit: 270, windowMs: 10_000 },
  others: { limit: 3_600, windowMs: 10_000 },
};

export interface RetryNotice {
  secret: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RequestGateOptions {
  /** Requests in flight at most (retries waiting their turn hold their slot). */
  concurrency: number;
  clock?: Clock;
  /** 0..1, for the jitter of backoff delays. */
  random?: () => number;
  /** Tries of one request, the first included. */
  maxAttempts?: number;
  /** First backoff delay when the service names none; doubled each attempt. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is capped: the step would only look hung. */
  maxRetryAfterMs?: number;
  budgets?: { writes: Budget; others: Budget };
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Statuses retried, and why: 429 is Key Vault's throttling (its Retry-After is honoured);
 * 408 a front-end timeout; 500, 502, 503 and 504 transient service failures Key Vault's
 * guidance says to retry. Every other status is an answer (400, 401, 403, 404...).
 */
const retriedStatuses = new Set([408, 429, 500, 502, 503, 504]);

/**
 * 409 inner codes retried, and why: an earlier delete or recover of that name is still being
 * completed by the service; the same request succeeds once it has. (`ObjectIsDeletedButRecoverable`
 * is not here: it is permanent until someone recovers or purges the secret.)
 */
const retriedConflicts = new Set(["ObjectIsBeingDeleted", "ObjectIsBeingRecovered"]);

/**
 * Socket errors retried, and why: the request got no answer, so the service may never have
 * seen it (a reset or hung-up connection, a refused or timed-out connect, a DNS hiccup).
 * `REQUEST_SEND_ERROR` is what the SDK reports for a socket error it has no code for.
 */
const retriedSocketCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
]);

/** Why `e` is worth another try, with the delay the service asked for; undefined when it is not. */
export function retryReason(e: unknown): { reason: string; retryAfterMs?: number } | undefined {
  const error = serviceError(e);
  const withAfter = (reason: string): { reason: string; retryAfterMs?: number } =>
    error.retryAfterMs === undefined ? { reason } : { reason, retryAfterMs: error.retryAfterMs };
  if (error.status !== undefined && retriedStatuses.has(error.status))
    return withAfter(`status ${error.status}`);
  if (error.status === 409 && error.innerCode && retriedConflicts.has(error.innerCode)) {
    return withAfter(`409 ${error.innerCode}`);
  }
  if (error.status === undefined && error.code && retriedSocketCodes.has(error.code)) {
    return { reason: error.code };
  }
  if (error.status === undefined && /socket hang up/i.test(error.message))
    return { reason: "socket hang up" };
  return undefined;
}

/** A sliding window of request start times: `take()` waits until one more fits the budget. */
export class SlidingWindow {
  private readonly starts: number[] = [];

  constructor(
    private readonly budget: Budget,
    private readonly clock: Clock,
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - this.budget.windowMs)
        this.starts.shift();
      if (this.starts.length < this.budget.limit) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep((this.starts[0] ?? now) + this.budget.windowMs - now);
    }
  }
}

export function createRequestGate(options: RequestGateOptions): RequestGate {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const budgets = options.budgets ?? keyVaultBudgets;
  const limit = pLimit(options.concurrency);
  const writes = new SlidingWindow(budgets.writes, clock);
  const others = new SlidingWindow(budgets.others, clock);

  async function attempt<T>(
    window: SlidingWindow,
    secret: string,
    op: () => Promise<T>,
  ): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      await window.take();
      try {
        return await op();
      } catch (e: unknown) {
        const retry = tries < maxAttempts ? retryReason(e) : undefined;
        if (!retry) throw e;
        // Equal jitter: at least half the exponential delay, so clients that failed together
        // do not come back together, and never less than the service asked for.
        const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (tries - 1));
        const backoff = exponential / 2 + (random() * exponential) / 2;
        const delayMs = Math.round(
          retry.retryAfterMs !== undefined
            ? Math.min(retry.retryAfterMs, maxRetryAfterMs)
            : backoff,
        );
        options.onRetry?.({ secret, attempt: tries, delayMs, reason: retry.reason });
        await clock.sleep(delayMs);
      }
    }
  }

  return {
    write: (secret, op) => limit(() => attempt(writes, secret, op)),
    read: (secret, op) => limit(() => attempt(others, secret, op)),
  };
}
