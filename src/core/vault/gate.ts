/**
 * The one gate every vault request goes through: bounded concurrency, pacing to Key Vault's
 * per-vault budgets, and the one retry policy (the SDK's own retries are off, see
 * vault-client.ts, so a 429 is never retried by two layers at once).
 */
import PQueue from "p-queue";
import { CancelledError } from "../errors.ts";
import { serviceError } from "./service-error.ts";
import { defaultRequestTimeoutMs } from "../inputs/settings.ts";

/**
 * One try of a request. `signal` aborts when the try has taken longer than the request
 * timeout: pass it to the SDK (`abortSignal`), which then closes the connection; the gate gives
 * up on the try at that moment whether or not the operation heeds it. An operation of several
 * requests (the pages of a listing) calls `progress` after each, so that the timeout is each
 * request's, not the whole listing's. (Both optional only so that a test's stand-in gate may
 * call an operation without them.)
 */
export type Operation<T> = (signal?: AbortSignal, progress?: () => void) => Promise<T>;

export interface ReadOptions {
  /**
   * A page of a listing: sent before queued reads (writes still go first). A listing's pages
   * follow one another, each on the last one's `nextLink`: behind the GETs of the entries its
   * first pages showed (set mode), every next page would wait for the whole queue.
   */
  page?: boolean;
}

export interface RequestGate {
  /** A request that writes (PUT / PATCH / POST / DELETE): paced to the secret-write budget. */
  write<T>(secret: string, op: Operation<T>): Promise<T>;
  /** Any other request (GET, list pages): paced to the budget of other requests. */
  read<T>(secret: string, op: Operation<T>, options?: ReadOptions): Promise<T>;
}

/** The gate run.ts makes: the modes' `RequestGate`, and what only the composition root calls. */
export interface ClosableGate extends RequestGate {
  /**
   * The step is cancelled: no request is sent any more (each one waiting fails with a
   * `CancelledError`), and a request in flight gets `graceMs` to answer before it is given up
   * on, so that the step reports before the runner's SIGTERM (7.5 s after its SIGINT).
   */
  close(graceMs?: number): void;
  /** When the vault's budget holds requests back: how many wait, for the progress line. */
  pacing(): string | undefined;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `fn` after `ms` unless the returned function is called first. */
  timer?: (ms: number, fn: () => void) => () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  timer: realTimer,
};

/** A timer that does not keep the process alive (a request in flight does). */
function realTimer(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** A request that took longer than the request timeout on every try it was given. */
export class RequestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestTimeoutError";
  }
}

export interface Budget {
  limit: number;
  windowMs: number;
}

/**
 * Key Vault allows 300 secret writes and 4,000 other requests per 10 s per vault. Writes get
 * the whole budget: a pipeline is as a rule the one writer of its vault, and a throttled write
 * is retried anyway. Other requests get 90 %: the training runs that read the same vault keep
 * their share. The window is a little longer than 10 s because the service counts a request
 * when it arrives, the gate when it is sent: a round trip that takes longer than the one after
 * it must not make the two look closer together to the service than they were here.
 */
export const keyVaultBudgets: { writes: Budget; others: Budget } = {
  writes: { limit: 300, windowMs: 10_250 },
  others: { limit: 3_600, windowMs: 10_250 },
};

export interface RetryNotice {
  secret: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RequestGateOptions {
  /** Requests in flight at most (a request waiting out a backoff holds its slot). */
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
  /** How long one try may take, answer body included. */
  timeoutMs?: number;
  /** Tries after a first that timed out, at most. */
  timeoutRetries?: number;
  /** Who did not answer, for the timeout's message, e.g. `the vault https://…`. */
  target?: string;
  /** The input that sets the timeout, as the platform spells it. */
  timeoutInput?: string;
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
  if (error.status === undefined && /socket hang up/i.test(error.untrusted))
    return { reason: "socket hang up" };
  return undefined;
}

/**
 * A sliding window over request start times. `reserve()` waits, first come first served, until
 * one more request fits the budget, counting requests reserved but not yet sent; `sent()`
 * records when it really leaves (after waiting for a slot), so the budget is never freed
 * earlier than the service frees it. One timer at a time, however many wait.
 */
export class SlidingWindow {
  private readonly starts: number[] = [];
  private reserved = 0;
  private readonly waiting: (() => void)[] = [];
  private nextWaiting = 0;
  private timerSet = false;

  /** Requests waiting for the budget. */
  get queued(): number {
    return this.waiting.length - this.nextWaiting;
  }

  constructor(
    private readonly budget: Budget,
    private readonly clock: Clock,
  ) {}

  reserve(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.grant();
    });
  }

  sent(): void {
    this.reserved -= 1;
    this.starts.push(this.clock.now());
    this.grant();
  }

  private grant(): void {
    const now = this.clock.now();
    while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - this.budget.windowMs)
      this.starts.shift();
    while (
      this.nextWaiting < this.waiting.length &&
      this.starts.length + this.reserved < this.budget.limit
    ) {
      this.reserved += 1;
      this.waiting[this.nextWaiting++]?.();
    }
    if (this.nextWaiting === this.waiting.length) {
      this.waiting.length = 0;
      this.nextWaiting = 0;
      return;
    }
    // Budget full: look again when the oldest send leaves the window. With every reservation
    // still unsent there is no such time yet; the next `sent()` looks again.
    const oldest = this.starts[0];
    if (oldest === undefined || this.timerSet) return;
    this.timerSet = true;
    void this.clock.sleep(oldest + this.budget.windowMs - now).then(() => {
      this.timerSet = false;
      this.grant();
    });
  }
}

/**
 * Writes are sent first: a write waits for its budget, never behind a long queue of reads.
 * Then listing pages (`ReadOptions.page`), then the other reads.
 */
const priority = { write: 2, page: 1, read: 0 } as const;
type Kind = keyof typeof priority;

export function createRequestGate(options: RequestGateOptions): ClosableGate {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const budgets = options.budgets ?? keyVaultBudgets;
  const timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
  const timeoutRetries = options.timeoutRetries ?? 2;
  const queue = new PQueue({ concurrency: options.concurrency });
  const windows = {
    write: new SlidingWindow(budgets.writes, clock),
    read: new SlidingWindow(budgets.others, clock),
  };
  /**
   * Set once a request timed out on every try: the server is not answering, and each request
   * still queued would wait out the same tries (a hundred secrets at 16 in flight would hold
   * the step for many times the timeout). They fail at once with the same error.
   */
  let unresponsive: RequestTimeoutError | undefined;
  /** Set by `close()`, which then ends every wait for a budget or a backoff (`onClose`). */
  let closed: CancelledError | undefined;
  const onClose = new Set<() => void>();
  /**
   * Waits for `p`, or until the gate closes. Not `Promise.race([p, closing])` with one promise
   * that settles on close: that promise would keep every race's handlers until then, one per
   * request of the run (10,000 at 10k secrets). Each wait here drops its own when it is over.
   */
  function untilClosed(p: Promise<void>): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      onClose.add(resolve);
      p.then(
        () => {
          onClose.delete(resolve);
          resolve();
        },
        (e: unknown) => {
          onClose.delete(resolve);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
  /** Gives up on a try in flight (after `close()`'s grace). */
  const inFlight = new Set<() => void>();
  const wait = (ms: number): Promise<void> => untilClosed(clock.sleep(ms));
  /** A function, not an inline test: `closed` changes across the awaits of one request. */
  function refuseIfClosed(): void {
    if (closed) throw closed;
  }

  function backoffMs(tries: number): number {
    // Equal jitter: at least half the exponential delay, so clients that failed together
    // do not come back together.
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (tries - 1));
    return Math.round(exponential / 2 + (random() * exponential) / 2);
  }

  /**
   * How long one request may take in all, its tries and waits together: a try may take the
   * request timeout, so no request outlives the timeout times its tries, whatever Retry-After
   * a server sends (at the defaults 30 s × 8 = 4 minutes; docs/design.md).
   */
  const requestDeadlineMs = timeoutMs * maxAttempts;

  /**
   * Waits out a failure worth another try and returns true, or returns false: also when the
   * wait would take the request past its deadline (the failure then stands as it is).
   */
  async function backOff(
    e: unknown,
    secret: string,
    tries: number,
    startedAt: number,
  ): Promise<boolean> {
    const retry = tries < maxAttempts ? retryReason(e) : undefined;
    if (!retry) return false;
    // Never less than the service asked for, never more than maxRetryAfterMs.
    const delayMs =
      retry.retryAfterMs !== undefined
        ? Math.round(Math.min(retry.retryAfterMs, maxRetryAfterMs))
        : backoffMs(tries);
    if (clock.now() + delayMs - startedAt > requestDeadlineMs) return false;
    options.onRetry?.({ secret, attempt: tries, delayMs, reason: retry.reason });
    await wait(delayMs);
    return true;
  }

  /** One try of `op`, given up on (and its signal aborted) after `timeoutMs` without progress. */
  function timed<T>(op: Operation<T>): Promise<T> {
    const controller = new AbortController();
    const timer = clock.timer ?? realTimer;
    return new Promise<T>((resolve, reject) => {
      let cancel = (): void => {};
      const restart = (): void => {
        cancel();
        cancel = timer(timeoutMs, () => {
          // Rejected first: the timeout is what the try reports, not the SDK's AbortError.
          reject(timedOut);
          controller.abort();
        });
      };
      restart();
      const giveUp = (): void => {
        reject(new CancelledError(true));
        controller.abort();
      };
      inFlight.add(giveUp);
      op(controller.signal, restart)
        .then(resolve, reject)
        .finally(() => {
          cancel();
          inFlight.delete(giveUp);
        });
    });
  }
  const timedOut = new Error("timed out");

  function timeoutError(tries: number): RequestTimeoutError {
    const seconds = timeoutMs / 1000;
    const input = options.timeoutInput ? ` (${options.timeoutInput})` : "";
    return new RequestTimeoutError(
      `${options.target ?? "the server"} did not answer within ${seconds} s${input}, ${tries} ${tries === 1 ? "try" : "tries"}`,
    );
  }

  /**
   * Tries `op` until it answers in time, retrying a timed-out try in the same slot (after a
   * backoff): a request that timed out does not go to the back of the queue, where every request
   * queued behind it would first wait out its own timeout on a vault that is not answering.
   */
  async function inTime<T>(secret: string, op: Operation<T>, tries: number): Promise<T> {
    for (let timeouts = 0; ; timeouts += 1) {
      if (unresponsive) throw unresponsive;
      try {
        return await timed(op);
      } catch (e: unknown) {
        if (e !== timedOut) throw e;
        if (timeouts >= timeoutRetries) {
          unresponsive ??= timeoutError(timeouts + 1);
          throw timeoutError(timeouts + 1);
        }
        const delayMs = backoffMs(tries + timeouts);
        options.onRetry?.({ secret, attempt: tries + timeouts, delayMs, reason: "timeout" });
        await wait(delayMs);
        refuseIfClosed();
      }
    }
  }

  async function attempt<T>(kind: Kind, secret: string, op: Operation<T>): Promise<T> {
    // A page is a read of the others' budget.
    const window = windows[kind === "write" ? "write" : "read"];
    // From when the request is first sent: time in the queue is not the request's.
    let startedAt: number | undefined;
    for (let tries = 1; ; tries += 1) {
      // The budget is waited for outside the queue, so that writes waiting for the next
      // window leave the slots to the reads (and the other way round).
      refuseIfClosed();
      await untilClosed(window.reserve());
      refuseIfClosed();
      const outcome = await queue.add(
        async () => {
          window.sent();
          refuseIfClosed();
          startedAt ??= clock.now();
          try {
            return { value: await inTime(secret, op, tries) };
          } catch (e: unknown) {
            // The backoff is waited out in the slot: a throttled vault then gets fewer
            // requests, not a new one from every request still queued.
            if (await backOff(e, secret, tries, startedAt ?? clock.now())) return undefined;
            throw e;
          }
        },
        { priority: priority[kind] },
      );
      if (outcome) return outcome.value;
    }
  }

  return {
    write: (secret, op) => attempt("write", secret, op),
    read: (secret, op, options) => attempt(options?.page ? "page" : "read", secret, op),
    close(graceMs = 4_000) {
      if (closed) return;
      closed = new CancelledError();
      for (const stop of onClose) stop();
      onClose.clear();
      (clock.timer ?? realTimer)(graceMs, () => {
        for (const giveUp of inFlight) giveUp();
      });
    },
    pacing() {
      const writes = windows.write.queued;
      const reads = windows.read.queued;
      if (writes + reads === 0) return undefined;
      const { writes: w, others: o } = budgets;
      return [
        writes > 0
          ? `${writes} writes wait for the vault's budget (${w.limit} per ${Math.round(w.windowMs / 1000)} s)`
          : "",
        reads > 0
          ? `${reads} reads wait for the vault's budget (${o.limit} per ${Math.round(o.windowMs / 1000)} s)`
          : "",
      ]
        .filter((part) => part !== "")
        .join(", ");
    },
  };
}
