/**
 * A hostile (or broken) Key Vault for tests: HTTPS on 127.0.0.1 with a certificate of the test
 * CA (or, asked, of a CA nobody trusts), speaking just enough of the data plane and of ARM for
 * the real SDK to get to the answer the test chose. Each secret name gets a behaviour: a value
 * (one that is not valid UTF-16 too), malformed JSON with a 200, an error JSON of any status and
 * message, a raw body of any status and content type, a body cut mid-value on a close-delimited
 * response, a hang, a trickle. Everything it was sent is recorded (the values a write carried,
 * the bearer tokens), so a test can tell whether a request reached it at all.
 *
 * Tokens come from the emulator the test passes in (its managed identity and Entra stand-in):
 * this vault names the emulator's tenant in its challenge and takes any bearer token.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { defaultCaDir, ensureCa, issueLeaf } from "../../src/emulator/ca.ts";
import type { Emulator } from "../../src/emulator/index.ts";

/** What the vault answers for one secret (its GET, and its PUT unless `write` says otherwise). */
export type Behaviour =
  /** A well-formed answer carrying `value` (as JSON text: a lone surrogate stays one). */
  | { kind: "value"; value: string }
  /** Any status, content type and body. */
  | { kind: "raw"; status: number; body: string; contentType?: string }
  /** Key Vault's error JSON: `{"error":{"code","message"}}`. */
  | { kind: "error"; status: number; code: string; message: string }
  /** A 200 whose body is the secret's JSON cut after half the value, then the connection closed. */
  | { kind: "cut"; value: string }
  /** Accepts the request and never answers. */
  | { kind: "hang" }
  /** Answers 200 with `value`, one byte of body every `everyMs`. */
  | { kind: "trickle"; value: string; everyMs: number }
  /** A listing page of `names` whose `nextLink` is what `next` makes of the request's URL. */
  | { kind: "page"; names: string[]; next: (requestUrl: URL) => string | null }
  /** A 200 of `Content-Encoding: gzip` whose body inflates to `inflatedBytes` of JSON-ish text. */
  | { kind: "gzip-bomb"; inflatedBytes: number }
  /** Whatever `answer` chooses for this request (a listing's pages, each its own). */
  | { kind: "each"; answer: (requestUrl: URL) => Behaviour };

export interface HostileVaultOptions {
  /** The emulator whose tokens the clients bring (its tenant is named in the challenge). */
  emulator: Emulator;
  /** A certificate of a fresh CA that nobody trusts, instead of the test CA. */
  untrusted?: boolean;
  /** What the listing (`GET /secrets`) answers; by default every secret with a behaviour. */
  listing?: Behaviour;
  /** ARM's `properties.vaultUri` for the vault of every workspace; by default this vault's URL. */
  vaultUri?: () => string;
}

export interface HostileVault {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** The ARM endpoint (the same server). */
  armUrl: string;
  /** Gives a secret its behaviour, for GETs and (unless `write`) PUTs. */
  secret(name: string, read: Behaviour, write?: Behaviour): void;
  /** Every request after the challenge, as `METHOD /path` (ARM and vault). */
  requests: string[];
  /** Bodies of the writes it received. */
  writes: string[];
  /** The bearer tokens it was sent. */
  tokens: Set<string>;
  /** Every request it got, the token-less challenge requests included. */
  hits: number;
  stop(): Promise<void>;
}

interface Secret {
  read: Behaviour;
  write?: Behaviour;
}

/** The resource Key Vault's challenge names; the public cloud's, as the emulator does. */
const vaultResource = "https://vault.azure.net";

export async function startHostileVault(options: HostileVaultOptions): Promise<HostileVault> {
  const ca = ensureCa(
    options.untrusted ? mkdtempSync(path.join(tmpdir(), "aml-untrusted-ca-")) : defaultCaDir(),
  );
  const leaf = issueLeaf(ca);
  const server: Server = createServer({ key: leaf.keyPem, cert: leaf.certPem });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const secrets = new Map<string, Secret>();
  const vault: HostileVault = {
    url,
    armUrl: url,
    secret: (name, read, write) =>
      secrets.set(name.toLowerCase(), write ? { read, write } : { read }),
    requests: [],
    writes: [],
    tokens: new Set(),
    hits: 0,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const challenge = `Bearer authorization="${options.emulator.authorityHost}/${options.emulator.tenantId}", resource="${vaultResource}"`;

  const bundle = (name: string, value?: string): Record<string, unknown> => ({
    ...(value === undefined ? {} : { value }),
    id: `${url}/secrets/${name}/${"0".repeat(31)}1`,
    attributes: { enabled: true, created: 1_700_000_000, updated: 1_700_000_000 },
  });

  function answer(req: IncomingMessage, res: ServerResponse, name: string, b: Behaviour): void {
    switch (b.kind) {
      case "value":
        return send(res, 200, "application/json; charset=utf-8", jsonWithValue(name, b.value));
      case "raw":
        return send(res, b.status, b.contentType, b.body);
      case "error":
        return send(
          res,
          b.status,
          "application/json; charset=utf-8",
          JSON.stringify({ error: { code: b.code, message: b.message } }),
        );
      case "cut": {
        // Close-delimited: no Content-Length, no chunking; the body ends where the socket does.
        const text = jsonWithValue(name, b.value);
        const quoted = JSON.stringify(b.value);
        const cut = text.indexOf(quoted) + Math.floor(quoted.length / 2);
        const socket = req.socket;
        socket.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n",
        );
        socket.end(text.slice(0, cut));
        return;
      }
      case "hang":
        return;
      case "page":
        return send(
          res,
          200,
          "application/json",
          JSON.stringify({
            value: b.names.map((n) => {
              const { id, attributes } = bundle(n);
              return { id: String(id).replace(/\/[0-9]+$/, ""), attributes };
            }),
            nextLink: b.next(new URL(req.url ?? "/", url)),
          }),
        );
      case "each":
        return answer(req, res, name, b.answer(new URL(req.url ?? "/", url)));
      case "gzip-bomb": {
        const body = gzipSync(Buffer.alloc(b.inflatedBytes, "a"));
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": body.length,
        });
        res.end(body);
        return;
      }
      case "trickle": {
        const bytes = Buffer.from(jsonWithValue(name, b.value), "utf8");
        res.writeHead(200, {
          "content-type": "application/json; charset=utf-8",
          "content-length": bytes.length,
        });
        let next = 0;
        const timer = setInterval(() => {
          if (next >= bytes.length || res.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(bytes.subarray(next, next + 1));
          next += 1;
        }, b.everyMs);
        timers.add(timer);
        return;
      }
    }
  }

  /** JSON text of the secret with `value` spliced in as JSON escapes it, lone surrogates kept. */
  function jsonWithValue(name: string, value: string): string {
    return JSON.stringify(bundle(name, value));
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const target = new URL(req.url ?? "/", url);
    const method = req.method ?? "GET";
    const auth = req.headers.authorization;
    vault.hits += 1;
    const segments = target.pathname.split("/").filter(Boolean);
    if (segments[0] === "subscriptions") {
      vault.requests.push(`${method} ${target.pathname}`);
      return arm(res, target.pathname);
    }
    if (!auth) {
      // The SDK's first request carries no token: it only wants the challenge. The connection
      // is closed, so that the request with the token opens one of its own (whose options,
      // headers included, are what NODE_DEBUG=http prints).
      res.writeHead(401, {
        "www-authenticate": challenge,
        "content-length": 0,
        connection: "close",
      });
      res.end();
      return;
    }
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (token) vault.tokens.add(token);
    vault.requests.push(`${method} ${target.pathname}`);
    if (segments[0] !== "secrets") return send(res, 404, "text/plain", "");
    const name = segments[1];
    if (name === undefined) {
      if (options.listing) return answer(req, res, "", options.listing);
      return send(
        res,
        200,
        "application/json",
        JSON.stringify({
          value: [...secrets.keys()]
            .map((n) => bundle(n))
            .map(({ id, attributes }) => ({
              id: String(id).replace(/\/[0-9]+$/, ""),
              attributes,
            })),
          nextLink: null,
        }),
      );
    }
    const secret = secrets.get(name.toLowerCase());
    if (!secret) {
      return send(
        res,
        404,
        "application/json",
        JSON.stringify({ error: { code: "SecretNotFound", message: `no secret ${name}` } }),
      );
    }
    if (method === "PUT") {
      vault.writes.push(body);
      return answer(req, res, name, secret.write ?? secret.read);
    }
    return answer(req, res, name, secret.read);
  }

  function arm(res: ServerResponse, pathname: string): void {
    const vaultId = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(pathname);
    const body = vaultId
      ? { id: pathname, properties: { vaultUri: options.vaultUri?.() ?? `${url}/` } }
      : {
          id: pathname,
          properties: {
            keyVault: `${pathname.replace(/\/providers\/.*$/i, "")}/providers/Microsoft.KeyVault/vaults/hostile`,
          },
        };
    send(res, 200, "application/json", JSON.stringify(body));
  }

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  return vault;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string,
): void {
  res.writeHead(status, {
    ...(contentType ? { "content-type": contentType } : {}),
    "content-length": Buffer.byteLength(body),
    "x-ms-request-id": randomUUID(),
    // A 5xx is retried: without a wait, so that a test does not sit out the backoff.
    ...(status >= 500 ? { "retry-after": "0" } : {}),
  });
  res.end(body);
}
