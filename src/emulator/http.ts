/** One request/response exchange of the emulator and the helpers that answer it. */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestRecord } from "./types.ts";

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Path segments, URL-decoded, without empty ones (a trailing "/" is kept in `trailingSlash`). */
  segments: string[];
  trailingSlash: boolean;
  body: string;
  /** The log entry of this request; `status` is filled in when it is answered. */
  record: RequestRecord;
}

/** Key Vault's (and ARM's) error body: `{"error":{"code","message","innererror"?}}`. */
export interface ServiceError {
  code: string;
  message: string;
  innererror?: { code: string };
}

export function sendJson(
  ex: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  ex.record.status = status;
  ex.res.writeHead(status, {
    ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": Buffer.byteLength(text),
    "x-ms-request-id": randomUUID(),
    ...headers,
  });
  ex.res.end(text);
}

export function sendError(
  ex: Exchange,
  status: number,
  code: string,
  message: string,
  inner?: string,
  headers: Record<string, string> = {},
): void {
  const error: ServiceError = { code, message, ...(inner ? { innererror: { code: inner } } : {}) };
  sendJson(ex, status, { error }, headers);
}

/** The request body, whole (Key Vault's bodies are small: 25 KB values). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The bearer token of the request, if it carries one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** A JSON object body, or undefined when the body is not one. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The message of anything thrown, for the emulator's own log. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "string" ? e : JSON.stringify(e);
}
