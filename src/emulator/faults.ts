/**
 * Injected faults: Key Vault's request budgets, random 429 / 5xx, dropped connections, the
 * windows while a delete or a recover completes, and permanent 403s on chosen names.
 */
import type { FaultSettings } from "./types.ts";

/** Key Vault's service limits per vault (the SPEC's numbers), over a sliding window. */
export const quotaWindowMs = 10_000;
export const secretWriteBudget = 300;
export const otherRequestBudget = 4_000;

export const defaultFaults: FaultSettings = {
  quota: false,
  retryAfter: "always",
  throttleRate: 0,
  serverErrorRate: 0,
  dropRate: 0,
  recoverDelayMs: 0,
  deleteDelayMs: 0,
  forbidden: [],
  throttleAllMs: 0,
  armForbidden: [],
};

/** A delete or a recover that Key Vault has accepted but not finished. */
export type PendingOperation = "deleting" | "recovering";

/**
 * The delays `--realistic` sets, of the order Key Vault shows in the Azure SDK's recordings: a
 * deleted secret appears under /deletedsecrets after about 14 s, a recovered one under /secrets
 * after about 2 s.
 */
export const realisticDelays = { deleteDelayMs: 14_000, recoverDelayMs: 2_000 } as const;

/** How a fault answers a request. */
export interface FaultAnswer {
  fault: string;
  status: number;
  code: string;
  message: string;
  inner?: string;
  headers?: Record<string, string>;
}

const throttledMessage =
  "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached";

export class Faults {
  private current: FaultSettings = { ...defaultFaults };
  private throttleAllUntil = 0;
  private readonly writeTimes: number[] = [];
  private readonly otherTimes: number[] = [];
  private retryAfterTurn = 0;
  private readonly windows = new Map<string, { operation: PendingOperation; until: number }>();

  constructor(
    initial: Partial<FaultSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.set(initial);
  }

  get settings(): FaultSettings {
    return this.current;
  }

  set(partial: Partial<FaultSettings>): void {
    this.current = { ...this.current, ...partial };
    if (partial.throttleAllMs !== undefined)
      this.throttleAllUntil = Date.now() + partial.throttleAllMs;
  }

  /** Whether to destroy this request's socket before it is processed. */
  drop(): boolean {
    return this.current.dropRate > 0 && this.random() < this.current.dropRate;
  }

  /** The fault that answers an authenticated vault request, if one does; counts it against the quota otherwise. */
  vaultFault(isSecretWrite: boolean, secret: string | undefined): FaultAnswer | undefined {
    const now = Date.now();
    if (now < this.throttleAllUntil) {
      return this.throttled("throttle-all", Math.ceil((this.throttleAllUntil - now) / 1000));
    }
    if (this.current.quota) {
      const times = isSecretWrite ? this.writeTimes : this.otherTimes;
      const budget = isSecretWrite ? secretWriteBudget : otherRequestBudget;
      while (times.length > 0 && (times[0] ?? 0) <= now - quotaWindowMs) times.shift();
      if (times.length >= budget) {
        const freeAt = (times[0] ?? now) + quotaWindowMs;
        return this.throttled("quota", Math.max(1, Math.ceil((freeAt - now) / 1000)));
      }
      times.push(now);
    }
    if (this.current.throttleRate > 0 && this.random() < this.current.throttleRate) {
      return this.throttled("random-429", 1);
    }
    if (this.current.serverErrorRate > 0 && this.random() < this.current.serverErrorRate) {
      return this.random() < 0.5
        ? {
            fault: "random-500",
            status: 500,
            code: "InternalServerError",
            message: "An unexpected error occurred.",
          }
        : {
            fault: "random-503",
            status: 503,
            code: "ServiceUnavailable",
            message: "The service is temporarily unavailable. Please retry later.",
          };
    }
    if (secret !== undefined && this.current.forbidden.some((n) => n.toLowerCase() === secret)) {
      return {
        fault: "forbidden",
        status: 403,
        code: "Forbidden",
        message: `Caller is not authorized to perform action on resource. If role assignments, deny assignments or role definitions were changed recently, please observe propagation time. Secret: ${secret}`,
        inner: "ForbiddenByRbac",
      };
    }
    return undefined;
  }

  /** Starts the window while a delete completes (`deleteDelayMs`; none when 0). */
  deleted(secret: string): void {
    this.startWindow(secret, "deleting", this.current.deleteDelayMs);
  }

  /** Starts the window while a recover completes (`recoverDelayMs`; none when 0). */
  recovered(secret: string): void {
    this.startWindow(secret, "recovering", this.current.recoverDelayMs);
  }

  /** Whether a delete or a recover of this (lower-cased) name is still completing. */
  pending(secret: string): PendingOperation | undefined {
    const window = this.windows.get(secret);
    if (!window) return undefined;
    if (Date.now() < window.until) return window.operation;
    this.windows.delete(secret);
    return undefined;
  }

  private startWindow(secret: string, operation: PendingOperation, ms: number): void {
    if (ms > 0) this.windows.set(secret, { operation, until: Date.now() + ms });
    else this.windows.delete(secret);
  }

  armForbidden(workspace: string): boolean {
    return this.current.armForbidden.some((n) => n.toLowerCase() === workspace.toLowerCase());
  }

  private throttled(fault: string, seconds: number): FaultAnswer {
    const mode = this.current.retryAfter;
    const send = mode === "always" || (mode === "half" && this.retryAfterTurn++ % 2 === 0);
    return {
      fault,
      status: 429,
      code: "Throttled",
      message: throttledMessage,
      ...(send ? { headers: { "retry-after": String(seconds) } } : {}),
    };
  }
}
