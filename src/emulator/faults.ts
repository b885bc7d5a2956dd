/**
 * Injected faults: Key Vault's request budgets, random 429 / 5xx, dropped connections, the
 * transient 409s after a delete or a recover, and permanent 403s on chosen names.
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
  recoverConflictMs: 0,
  deleteConflictMs: 0,
  forbidden: [],
  throttleAllMs: 0,
  armForbidden: [],
};

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
  private readonly transientConflicts = new Map<string, { inner: string; until: number }>();

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
    if (secret !== undefined) {
      const conflict = this.transientConflicts.get(secret);
      if (conflict && now < conflict.until) {
        // As Key Vault does while the operation completes: reads do not find the secret yet
        // (the SDK's pollers wait on that 404), writes answer the 409.
        if (!isSecretWrite) {
          return {
            fault: conflict.inner,
            status: 404,
            code: "SecretNotFound",
            message: `A secret with (name/id) ${secret} was not found in this key vault.`,
          };
        }
        return {
          fault: conflict.inner,
          status: 409,
          code: "Conflict",
          message:
            conflict.inner === "ObjectIsBeingDeleted"
              ? `Secret ${secret} is currently being deleted.`
              : `Secret ${secret} is currently being recovered.`,
          inner: conflict.inner,
        };
      }
      if (conflict) this.transientConflicts.delete(secret);
    }
    return undefined;
  }

  /** Opens the window of 409 ObjectIsBeingDeleted after a delete. */
  deleted(secret: string): void {
    if (this.current.deleteConflictMs > 0) {
      this.transientConflicts.set(secret, {
        inner: "ObjectIsBeingDeleted",
        until: Date.now() + this.current.deleteConflictMs,
      });
    }
  }

  /** Opens the window of 409 ObjectIsBeingRecovered after a recover. */
  recovered(secret: string): void {
    if (this.current.recoverConflictMs > 0) {
      this.transientConflicts.set(secret, {
        inner: "ObjectIsBeingRecovered",
        until: Date.now() + this.current.recoverConflictMs,
      });
    }
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
