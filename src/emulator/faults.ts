/**
 * Injected faults: Key Vault's request budgets, random 429 / 5xx, dropped connections, the
 * windows while a delete or a recover completes, and permanent 403s on chosen names.
 */
import type { FaultSettings, ForbiddenCode, ForbidRule } from "./types.ts";

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
  forbid: [],
  throttleAllMs: 0,
  armForbidden: [],
};

/** One request's identity for `maxRandomFaultsInARow`: its method and path. */
export function requestKey(method: string, segments: readonly string[]): string {
  return `${method} ${segments.join("/")}`;
}

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

/**
 * At most this many random faults (429, 500 / 503, a dropped connection, at a rate below 1) in
 * a row for one request (method and path); the next try of it is served. Faults on Key Vault are transient,
 * and a client's retries are finite (aml-secrets tries a request 8 times): with independent draws
 * a test at 27 % faults would still fail about once in 250 runs on a request faulted every time,
 * which tests luck, not the client.
 */
export const maxRandomFaultsInARow = 3;

const throttledMessage =
  "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached";

export class Faults {
  private current: FaultSettings = { ...defaultFaults };
  private throttleAllUntil = 0;
  private readonly writeTimes: number[] = [];
  private readonly otherTimes: number[] = [];
  private retryAfterTurn = 0;
  private readonly windows = new Map<string, { operation: PendingOperation; until: number }>();
  /** Random faults in a row per request key (`GET /secrets/x`); dropped when one is served. */
  private readonly faultsInARow = new Map<string, number>();

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

  /** Whether to destroy this request's socket (`key`: its method and path) before it is processed. */
  drop(key: string): boolean {
    return this.drawn(key, this.current.dropRate);
  }

  /**
   * Whether a fault of probability `rate` hits the request `key`: below 1, never more than
   * `maxRandomFaultsInARow` times in a row for one key.
   */
  private drawn(key: string, rate: number): boolean {
    if (rate >= 1) return true; // not random: every request, as a test of giving up asks
    const inARow = this.faultsInARow.get(key) ?? 0;
    if (rate <= 0 || inARow >= maxRandomFaultsInARow || this.random() >= rate) return false;
    this.faultsInARow.set(key, inARow + 1);
    return true;
  }

  /** The fault that answers an authenticated vault request, if one does; counts it against the quota otherwise. */
  vaultFault(
    isSecretWrite: boolean,
    secret: string | undefined,
    request?: ForbidRequest,
  ): FaultAnswer | undefined {
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
    const key = requestKey(request?.method ?? "GET", request?.segments ?? []);
    if (this.drawn(key, this.current.throttleRate)) {
      return this.throttled("random-429", 1);
    }
    if (this.drawn(key, this.current.serverErrorRate)) {
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
    this.faultsInARow.delete(key);
    const req = request ?? { method: "GET", segments: [] };
    if (secret !== undefined && this.current.forbidden.some((n) => n.toLowerCase() === secret)) {
      return { ...forbiddenAnswer("ForbiddenByRbac", req), fault: "forbidden" };
    }
    const rule = this.current.forbid.find((r) => forbidMatches(r, secret));
    if (rule) return forbiddenAnswer(rule.code, req);
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

/** The request a 403 refuses, for the wording of its message. */
export interface ForbidRequest {
  method: string;
  /** The path's segments: `secrets`, NAME, VERSION… */
  segments: string[];
  clientAddress?: string;
  /** The token's claims: tenant, object id, application id. */
  caller?: { tid?: string; oid?: string; appid?: string };
}

export const forbiddenCodes: readonly ForbiddenCode[] = [
  "ForbiddenByFirewall",
  "ForbiddenByRbac",
  "ForbiddenByPolicy",
  "AccessDenied",
];

/** The emulator's vault as Key Vault names a vault in its messages: `NAME;location=REGION`. */
const vaultRef = "emulator;location=local";
const vaultScope =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/microsoft.keyvault/vaults/emulator";

function forbidMatches(rule: ForbidRule, secret: string | undefined): boolean {
  if (rule.names === undefined) return true;
  if (secret === undefined) return false;
  const pattern = rule.names.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${pattern.join(".*")}$`, "i").test(secret);
}

/**
 * What the request does, as Key Vault's RBAC names it (data action) and as an access policy does
 * (permission): `getSecret/action` / `get`, `setSecret/action` / `set`, …
 */
function operation(method: string, segments: string[]): { action: string; permission: string } {
  const [root, name, third] = segments;
  const m = method.toUpperCase();
  const act = (action: string, permission: string): { action: string; permission: string } => ({
    action: `Microsoft.KeyVault/vaults/secrets/${action}`,
    permission,
  });
  if (root === "deletedsecrets") {
    if (m === "DELETE") return act("purge/action", "purge");
    if (m === "POST") return act("recover/action", "recover");
    return act("readMetadata/action", "list");
  }
  if (m === "PUT") return act("setSecret/action", "set");
  if (m === "PATCH") return act("update/action", "set");
  if (m === "DELETE") return act("delete", "delete");
  if (m === "POST")
    return name === "restore" ? act("restore/action", "restore") : act("backup/action", "backup");
  if (name === undefined || third === "versions") return act("readMetadata/action", "list");
  return act("getSecret/action", "get");
}

/** Key Vault's 403 for `code`, in the service's words (lines end in CRLF, as it sends them). */
export function forbiddenAnswer(code: ForbiddenCode, request: ForbidRequest): FaultAnswer {
  const tenant = request.caller?.tid ?? "00000000-0000-0000-0000-000000000000";
  const caller = `appid=${request.caller?.appid ?? request.caller?.oid ?? "unknown"};oid=${request.caller?.oid ?? "unknown"};iss=https://sts.windows.net/${tenant}/`;
  const { action, permission } = operation(request.method, request.segments);
  const [, name] = request.segments;
  const resource =
    name && request.segments[0] === "secrets" && name !== "restore"
      ? `${vaultScope}/secrets/${name.toLowerCase()}`
      : vaultScope;
  const message = {
    ForbiddenByFirewall: [
      "Client address is not authorized and caller is not a trusted service.",
      `Client address: ${request.clientAddress ?? "127.0.0.1"}`,
      `Caller: ${caller}`,
      `Vault: ${vaultRef}`,
    ].join("\r\n"),
    ForbiddenByRbac: [
      "Caller is not authorized to perform action on resource.",
      "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
      `Caller: ${caller}`,
      `Action: '${action}'`,
      `Resource: '${resource}'`,
      "Assignment: (not found)",
      "DenyAssignmentId: null",
      "DecisionReason: 'DeniedWithNoValidRBAC' ",
      `Vault: ${vaultRef}`,
      "",
    ].join("\r\n"),
    ForbiddenByPolicy: `The policy requires the caller '${caller}' to use on-behalf-of (OBO) flow. For more information on OBO, please see https://go.microsoft.com/fwlink/?linkid=2152310`,
    AccessDenied: `The user, group or application '${caller}' does not have secrets ${permission} permission on key vault '${vaultRef}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
  }[code];
  return { fault: `forbidden-${code}`, status: 403, code: "Forbidden", message, inner: code };
}
