/**
 * What a failed request said, read from the SDK's `RestError` (or anything shaped like it):
 * HTTP status, the service's error code and inner code, Retry-After, request id, and the
 * socket error code of a request that never got an answer.
 */
import { field } from "./json.ts";

export interface ServiceError {
  status?: number;
  /** The outer code (`Conflict`, `Throttled`...) or a socket code (`ECONNRESET`). */
  code?: string;
  /** Key Vault's `innererror.code` when the SDK kept it, else inferred from the message. */
  innerCode?: string;
  /** Retry-After in milliseconds, when the answer carried one. */
  retryAfterMs?: number;
  requestId?: string;
  message: string;
}

interface HeadersLike {
  get(name: string): string | undefined;
}

/**
 * Key Vault's 409s say in their message what the SDK drops from the body (it keeps only the
 * outer `Conflict`): these are the messages the service sends for each inner code.
 */
const innerCodeMessages: [RegExp, string][] = [
  [/currently being deleted/i, "ObjectIsBeingDeleted"],
  [/currently being recovered/i, "ObjectIsBeingRecovered"],
  [/deleted but recoverable/i, "ObjectIsDeletedButRecoverable"],
  [/not allowed on a disabled secret|secretdisabled/i, "SecretDisabled"],
];

export function serviceError(e: unknown): ServiceError {
  const message = e instanceof Error ? e.message : String(e);
  const found: ServiceError = { message };
  const status = field(e, "statusCode");
  if (typeof status === "number") found.status = status;
  const code = field(e, "code");
  if (typeof code === "string") found.code = code;
  const response = field(e, "response");
  const headers = field(response, "headers") as HeadersLike | undefined;
  if (headers && typeof headers.get === "function") {
    const retryAfter = parseRetryAfter(headers.get("retry-after"));
    if (retryAfter !== undefined) found.retryAfterMs = retryAfter;
    const requestId = headers.get("x-ms-request-id");
    if (requestId) found.requestId = requestId;
  }
  const body = field(response, "bodyAsText");
  if (typeof body === "string") {
    try {
      const inner = field(field(field(JSON.parse(body), "error"), "innererror"), "code");
      if (typeof inner === "string") found.innerCode = inner;
    } catch {
      // Not JSON: the message below still tells.
    }
  }
  if (found.innerCode === undefined) {
    const match = innerCodeMessages.find(([pattern]) => pattern.test(message));
    if (match) found.innerCode = match[1];
  }
  return found;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `403 Forbidden (ForbiddenByRbac)`-style summary of what the service said, for messages. */
export function describeStatus(error: ServiceError): string {
  const parts: string[] = [];
  if (error.status !== undefined) parts.push(String(error.status));
  if (error.code) parts.push(error.code);
  if (error.innerCode && error.innerCode !== error.code) parts.push(`(${error.innerCode})`);
  return parts.join(" ");
}

/** `what failed: 403 Forbidden (ForbiddenByRbac): message; check: hint` (never a value). */
export function failure(request: { hint: string }, what: string, e: unknown): string {
  const error = serviceError(e);
  const status = describeStatus(error);
  const parts = [`${what} failed: ${status ? `${status}: ` : ""}${error.message}`];
  if (error.requestId) parts.push(`request id ${error.requestId}`);
  if (error.status === 401 || error.status === 403) parts.push(`check: ${request.hint}`);
  return parts.join("; ");
}
