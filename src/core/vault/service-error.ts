/**
 * What a failed request said, read from the SDK's `RestError` (or anything shaped like it):
 * HTTP status, the service's error code and inner code, Retry-After, request id, and the
 * socket error code of a request that never got an answer.
 *
 * What a server sends is untrusted: its message may carry a value (a proxy echoing a request,
 * a vault that answers what it likes), and the SDK puts the raw body into its own message when
 * the body is not JSON (`Error "..." occurred while parsing the response body - <body>`, with
 * V8's `... is not valid JSON` quoting the body once more), or when an error answer is not
 * Key Vault's error JSON (the message is then the body itself). So the message of a failed
 * request is never the SDK's: it is built here from the status and the service's structured
 * error (`{"error":{"code","message"}}`), and a body that does not parse is described by its
 * status, content type and length. Command syntax and control characters in what is kept are
 * broken up by the reporter, after redaction (report/inert.ts).
 *
 * Even the structured message is the server's text: it reaches a message only as a marker
 * (`untrusted` in errors.ts) that the reporter replaces with the text when the text is provably
 * free of every known value (report/clean-text.ts), else with a note that it was withheld. What
 * stands either way is the product's: status, code, inner code, request id, and the sentence for
 * that code (error-codes.ts). A request that got no answer is described by the product alone
 * (its socket or TLS code and what to do), never by the socket's message.
 */
import { CancelledError, untrusted } from "../errors.ts";
import { checkHint, codeRemedy, networkRemedy } from "./error-codes.ts";
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
  /**
   * What may stand in a message: the product's own text, or a marker for the server's (see
   * above). Never the server's text itself.
   */
  message: string;
  /** The server's (or a library's) text as it came: to classify the failure, never to print. */
  untrusted: string;
  /** The host the request went to, from its URL. */
  host?: string;
  /** The proxy the request went through, when the failure was the proxy's. */
  proxy?: string;
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

/**
 * How much of a service's message is kept. Key Vault's longest (a 403 naming the caller, the
 * action, the resource and the vault) is about 600 characters; more is not a message.
 */
export const maxServiceMessage = 600;
/** How much of a library's own message (a credential's, a socket's) is kept. */
const maxOtherMessage = 1_000;

/** `text` cut to `max` UTF-16 units, never inside a surrogate pair, marked when cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - end} more characters left out)`;
}

/** A `code` of the service's error JSON: a word, not prose (anything else is dropped). */
function codeOf(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}

/**
 * The service's structured error: Key Vault's and ARM's `{"error":{"code","message"}}`, with
 * Key Vault's inner code, from the body's text or, where the SDK parsed it and kept only that,
 * its `details`. Undefined when the answer held no such thing.
 */
function structuredError(
  bodyText: unknown,
  details: unknown,
): { code?: string; message?: string; innerCode?: string } | undefined {
  let parsed: unknown = details;
  if (typeof bodyText === "string") {
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      return undefined;
    }
  }
  const error = field(parsed, "error");
  const code = codeOf(field(error, "code"));
  const message = field(error, "message");
  if (code === undefined && typeof message !== "string") return undefined;
  const inner = field(error, "innererror") ?? field(error, "innerError");
  const innerCode = codeOf(field(inner, "code"));
  return {
    ...(code !== undefined ? { code } : {}),
    ...(typeof message === "string" ? { message } : {}),
    ...(innerCode !== undefined ? { innerCode } : {}),
  };
}

/** A body that is not the service's error JSON: what it looked like, never what it said. */
function describeBody(
  status: number | undefined,
  headers: HeadersLike | undefined,
  body: unknown,
): string {
  const type = headers?.get("content-type")?.split(";")[0]?.trim() ?? "";
  const shownType = /^[\w.+-]{1,40}\/[\w.+-]{1,60}$/.test(type)
    ? type
    : type
      ? "an unusual content type"
      : "no content type";
  const length = typeof body === "string" ? `, ${Buffer.byteLength(body, "utf8")} bytes` : "";
  const what =
    status !== undefined && status >= 200 && status < 300
      ? "an answer that could not be read"
      : "an answer that is not the service's error JSON";
  return `${what} (${shownType}${length})`;
}

/** An error of the Azure SDK's HTTP layer (there are two RestError classes in the bundle). */
function isRestError(e: unknown): boolean {
  return field(e, "name") === "RestError";
}

export function serviceError(e: unknown): ServiceError {
  const response = field(e, "response");
  const headers = field(response, "headers") as HeadersLike | undefined;
  const found: ServiceError = { message: "", untrusted: "" };
  const status = field(e, "statusCode") ?? field(response, "status");
  if (typeof status === "number" && status > 0) found.status = status;
  const url = field(field(e, "request"), "url");
  if (typeof url === "string" && URL.canParse(url)) found.host = new URL(url).host;
  if (headers && typeof headers.get === "function") {
    const retryAfter = parseRetryAfter(headers.get("retry-after"));
    if (retryAfter !== undefined) found.retryAfterMs = retryAfter;
    const requestId = codeOf(headers.get("x-ms-request-id"));
    if (requestId) found.requestId = requestId;
  }
  const held = (text: string, max: number): void => {
    found.untrusted = text;
    found.message = text === "" ? "" : untrusted(cut(text, max));
  };
  if (isRestError(e) && response !== undefined) {
    const body = field(response, "bodyAsText");
    const parsed = field(e, "details") ?? field(response, "parsedBody");
    const structured = structuredError(body, parsed);
    // A 5xx is the service's own failure: its message helps nobody in the pipeline, and it is
    // where a broken service or proxy echoes what it holds. The status and code say enough.
    const serverFault = found.status !== undefined && found.status >= 500;
    if (typeof body !== "string" && parsed === undefined) {
      // The SDK kept nothing of the body: the message is one it wrote itself (a listing's
      // `Pagination failed with unexpected statusCode 403`), and the code the service's.
      const code = codeOf(field(e, "code"));
      if (code) found.code = code;
      held(e instanceof Error ? e.message : "", maxServiceMessage);
    } else {
      if (structured?.code) found.code = structured.code;
      if (structured?.innerCode) found.innerCode = structured.innerCode;
      if (!structured) found.message = describeBody(found.status, headers, body);
      else if (structured.message !== undefined && !serverFault)
        held(structured.message, maxServiceMessage);
    }
  } else {
    // No answer (a socket error), or not an HTTP error at all (a credential's, our own).
    const code = field(e, "code");
    if (typeof code === "string" && (isRestError(e) || /^[A-Z][A-Z0-9_]+$/.test(code)))
      found.code = code;
    const message = e instanceof Error ? e.message : String(e);
    // network.ts names the proxy it could not reach, or that refused the tunnel (and its status);
    // the SDK keeps only the message. The proxy's reason phrase is never taken from it.
    const ours =
      /^(?:could not reach )?the proxy (https?:\/\/[\w.:[\]-]+)(?: refused the tunnel to \S+ \((\d{3})\b)?/.exec(
        message,
      );
    const proxy = ours?.[1] ?? environmentProxy(message, found.host);
    if (proxy) found.proxy = proxy;
    const proxyStatus = ours?.[2] === undefined ? undefined : Number(ours[2]);
    const sentence =
      found.code === undefined
        ? undefined
        : networkRemedy(found.code, {
            ...(found.host ? { host: found.host } : {}),
            ...(proxy ? { proxy } : {}),
            ...(proxyStatus !== undefined ? { proxyStatus } : {}),
          });
    if (sentence !== undefined) {
      found.untrusted = message;
      found.message = sentence;
    } else if (e instanceof Error && isOwn(e)) {
      found.untrusted = message;
      found.message = message;
    } else held(message, maxOtherMessage);
  }
  if (found.innerCode === undefined) {
    const match = innerCodeMessages.find(([pattern]) => pattern.test(found.untrusted));
    if (match) found.innerCode = match[1];
  }
  return found;
}

/**
 * The proxy the SDK dialled for the request, when Node's message names an address that is not
 * the request's host (`connect ECONNREFUSED 127.0.0.1:3128` for a vault at :443, `getaddrinfo
 * ENOTFOUND proxy.corp` for `myvault.vault.azure.net`): the Azure SDK's transport goes through
 * `HTTPS_PROXY` on its own and keeps only the socket's message. Only an address or a host name
 * of the strict forms below is taken from the message; a name that resolved to an address
 * (a vault's, without a proxy) on the request's own port is not told apart, and names none.
 */
function environmentProxy(message: string, host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const target = new URL(`https://${host}`);
  const port = target.port || "443";
  const connect = /^connect E[A-Z]+ ((?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})$/.exec(message);
  if (connect) {
    const [, address = "", dialled = ""] = connect;
    const elsewhere =
      dialled !== port || (/^[\d.]+$/.test(target.hostname) && address !== target.hostname);
    return elsewhere ? `${address}:${dialled}` : undefined;
  }
  const name = /^getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([a-z0-9.-]{1,253})$/i.exec(message)?.[1];
  return name !== undefined && name.toLowerCase() !== target.hostname.toLowerCase()
    ? name
    : undefined;
}

/** Errors this project made: their messages say what they mean to, whole. */
function isOwn(e: Error): boolean {
  return (
    e.name === "VaultError" ||
    e.name === "ValidationError" ||
    e.name === "RequestTimeoutError" ||
    // A platform's credential wrapper: its own words, the token endpoint's held as a marker.
    e.name === "CredentialError"
  );
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

/** What the service said: `403 Forbidden (ForbiddenByRbac): message`, or the socket's error. */
export function serviceSaid(e: unknown): string {
  const error = serviceError(e);
  return [describeStatus(error), error.message].filter((part) => part !== "").join(": ");
}

/**
 * `what failed: 403 Forbidden (ForbiddenByRbac): <the service's message, or a note that it was
 * withheld>; request id …; <what to do for that code>` (never a value).
 */
export function failure(request: { hint: string }, what: string, e: unknown): string {
  // Not the service's: the step was cancelled (an entry not reached is skipped, see run.ts).
  if (e instanceof CancelledError) return e.inFlight ? `${what}: ${e.message}` : e.message;
  const error = serviceError(e);
  const said = serviceSaid(e);
  const parts = [`${what} failed${said ? `: ${said}` : ""}`];
  if (error.requestId) parts.push(`request id ${error.requestId}`);
  const remedy =
    error.status === undefined && error.code !== undefined && networkRemedy(error.code, {})
      ? undefined // a network failure: its sentence is the message
      : codeRemedy(error.status, error.code, error.innerCode, {
          hint: request.hint,
          ...(error.host ? { host: error.host } : {}),
        });
  if (remedy) parts.push(remedy);
  // The connection's hint (which identity, what to check of it) and the mode's role stay: a
  // refusal is as often the wrong identity as a missing role (once, if the remedy has it).
  if ((error.status === 401 || error.status === 403) && !remedy?.includes(request.hint))
    parts.push(checkHint(request.hint));
  return parts.join("; ");
}
