/**
 * How requests reach Azure when the platform names a proxy or certificates of its own (the Azure
 * Pipelines agent's `Agent.ProxyUrl`, `Agent.CAInfo`, client certificate). Without them the Azure
 * SDK's own transport is used, which takes `HTTPS_PROXY` / `NO_PROXY` from the environment.
 *
 * One `HttpClient` serves every request of a run (the vault, ARM, and the credential's token
 * requests), choosing per request: straight to the host, or through a CONNECT tunnel of the proxy.
 * The tunnel is made here rather than with the SDK's `proxyOptions`, because the SDK drops
 * `tlsOptions` (the CA and the client certificate) whenever a proxy is set, and because a proxy
 * that refuses the tunnel must fail the request naming the proxy, not pass its 407 on as if the
 * vault had answered it.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { finished, type Duplex } from "node:stream";
import tls from "node:tls";
import zlib from "node:zlib";
import {
  createDefaultHttpClient,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { VaultError } from "../errors.ts";

export interface ProxySettings {
  /** e.g. `http://proxy.corp.example:8080` (without credentials). */
  url: string;
  username?: string;
  password?: string;
  /**
   * Requests whose URL one of these matches go straight to the host (the agent's
   * `Agent.ProxyBypassList`: regular expressions tested, without regard to case, on the URL).
   */
  bypass: RegExp[];
}

export interface TlsSettings {
  /** PEM certificates trusted in addition to the system's. */
  ca?: string[];
  /** The client certificate presented to servers that ask for one: PEM, or a PKCS#12 archive. */
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
}

export interface NetworkSettings {
  proxy?: ProxySettings;
  tls?: TlsSettings;
  /**
   * The machine's managed-identity endpoints (`managedIdentityEndpoints()`): never proxied,
   * whatever their scheme and host.
   */
  identityEndpoints?: string[];
}

/**
 * The variables that name the managed-identity endpoint a credential of `@azure/identity` asks
 * (App Service and Azure ML, their older API, Azure Arc, the IMDS address of pod identity).
 */
const identityEndpointVariables = [
  "IDENTITY_ENDPOINT",
  "MSI_ENDPOINT",
  "IMDS_ENDPOINT",
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
] as const;

/**
 * The managed-identity endpoints `env` names, for `NetworkSettings.identityEndpoints`. Their
 * requests carry the identity header and bring back the token: they are the machine's own, and
 * go straight to it (an https endpoint too: Service Fabric's, or the emulator's on loopback).
 */
export function managedIdentityEndpoints(env: Record<string, string | undefined>): string[] {
  return identityEndpointVariables
    .map((name) => env[name])
    .filter((url): url is string => !!url && URL.canParse(url));
}

/** A CONNECT that got no tunnel waits no longer than this (a proxy that never answers is no hang). */
const connectTimeoutMs = 30_000;

/** IMDS and the other link-local endpoints (169.254.0.0/16) are the machine's own: never proxied. */
function isLinkLocal(hostname: string): boolean {
  return net.isIPv4(hostname) && hostname.startsWith("169.254.");
}

/** The proxy as messages may name it: scheme, host and port, never its credentials. */
export function proxyName(proxy: ProxySettings): string {
  const url = new URL(proxy.url);
  return `${url.protocol}//${url.host}`;
}

/**
 * Whether `url` goes through the proxy: not for a plain-http URL (only the machine's own
 * managed-identity endpoints are plain http, and they are local), not for a link-local host,
 * not when the bypass list matches the URL.
 */
export function isProxied(proxy: ProxySettings, url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" || isLinkLocal(parsed.hostname)) return false;
  return !proxy.bypass.some((pattern) => pattern.test(url));
}

/**
 * The password in the proxy URL of `env` that the Azure SDK takes (`HTTPS_PROXY`, else
 * `ALL_PROXY`, else `HTTP_PROXY`, each also in lower case), for masking; undefined without one.
 */
export function environmentProxyPassword(
  env: Record<string, string | undefined>,
): string | undefined {
  const url = ["HTTPS_PROXY", "ALL_PROXY", "HTTP_PROXY"]
    .map((name) => env[name] || env[name.toLowerCase()])
    .find(Boolean);
  if (!url || !URL.canParse(url)) return undefined;
  const password = new URL(url).password;
  if (!password) return undefined;
  try {
    return decodeURIComponent(password);
  } catch {
    return password;
  }
}

/**
 * The most bytes one answer may weigh, read off the socket and again after decompression. The
 * largest answer the product needs is a listing page: 25 items, each an id (a URL of some
 * 150 bytes), attributes (some 200) and at most 15 tags of 256 + 256 characters and a content
 * type of 255, about 35 KiB an item with every character three UTF-8 bytes: some 875 KiB. A
 * secret's answer is its value (25 KiB at most, 150 KiB JSON-escaped) with the same
 * properties. 1 MiB holds either; a 1 GiB gzip bomb, or a value of megabytes, stops there.
 */
export const maxAnswerBytes = 1024 * 1024;

/**
 * The one HttpClient for a run with these settings (none: straight to each host, or through the
 * proxy the SDK took from HTTPS_PROXY). Every answer is read here, bounded (`maxAnswerBytes`).
 * A plain-http request, which only a managed-identity endpoint of the machine is, never goes
 * through a proxy: the proxy would see the identity header and the token. Nor does a request
 * to one of `identityEndpoints`, https or not.
 */
export function createNetworkClient(settings: NetworkSettings = {}): HttpClient {
  const identity = (settings.identityEndpoints ?? []).map((endpoint) => new URL(endpoint));
  // The endpoint itself and what lies under it: a base (IMDS_ENDPOINT) gets a path appended. Not
  // its whole origin: another service may share it (the emulator serves the vault there too).
  const isIdentityEndpoint = (url: URL): boolean =>
    identity.some((e) => url.origin === e.origin && url.pathname.startsWith(e.pathname));
  const tlsOptions = agentTlsOptions(settings.tls);
  const direct = new https.Agent({ keepAlive: true, ...tlsOptions });
  const tunnel = settings.proxy ? new TunnelAgent(settings.proxy, tlsOptions) : undefined;
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request: PipelineRequest) {
      if (isHttps(request.url)) {
        // The identity endpoint's header and token never pass a proxy, the SDK's nor the agent's.
        if (identity.length > 0 && isIdentityEndpoint(new URL(request.url))) request.agent = direct;
        else if (tunnel && settings.proxy && isProxied(settings.proxy, request.url))
          request.agent = tunnel;
        // Without a proxy of the platform's, one the SDK took from HTTPS_PROXY stays in place.
        else if (tunnel || !request.agent) request.agent = direct;
      } else {
        // The SDK's proxy policy puts its HTTPS_PROXY agent on plain-http requests too.
        delete request.agent;
      }
      return bounded(request, (r) => inner.sendRequest(r));
    },
  };
}

/** Whether `url` is https: the SDK's URLs start so; any other spelling is parsed to tell. */
function isHttps(url: string): boolean {
  return url.startsWith("https://") || new URL(url).protocol === "https:";
}

/** `streamResponseStatusCodes` that asks for every answer as a stream (see `bounded`). */
const everyStatus: ReadonlySet<number> = new Set([Number.POSITIVE_INFINITY]);

/** Why an answer was not read: it weighed more than `maxAnswerBytes`. Not retried. */
function tooLarge(request: PipelineRequest, what: string): VaultError {
  const origin = new URL(request.url).origin;
  return new VaultError(
    `the answer of ${origin} was larger than ${maxAnswerBytes / 1024} KiB ${what}; it was not read`,
    undefined,
    "EANSWERTOOLARGE",
  );
}

/**
 * Sends `request` through `send` and reads its answer, at most `maxAnswerBytes` off the socket
 * and as many after decompression. The SDK's client would inflate whatever it is sent and
 * gather it into one string (a 1 MiB gzip body of 1 GiB ended the process), so it is asked
 * for the raw stream and not to decompress; an answer compressed all the same is inflated here.
 */
async function bounded(
  request: PipelineRequest,
  send: (request: PipelineRequest) => Promise<PipelineResponse>,
): Promise<PipelineResponse> {
  // No request of this product asks for a stream: every answer is handed on as bounded text.
  request.headers.delete("Accept-Encoding");
  request.streamResponseStatusCodes = everyStatus as Set<number>;
  const response = await send(request);
  const stream = response.readableStreamBody;
  delete response.readableStreamBody;
  delete request.streamResponseStatusCodes;
  if (!stream) return response;
  const raw = await readAtMost(stream, () => tooLarge(request, "on the wire"));
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  let body = raw;
  try {
    if (encoding === "gzip") body = zlib.gunzipSync(raw, { maxOutputLength: maxAnswerBytes });
    else if (encoding === "deflate")
      body = zlib.inflateSync(raw, { maxOutputLength: maxAnswerBytes });
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE")
      throw tooLarge(request, "once decompressed");
    // A body that does not inflate is what it is: the JSON parse after says it could not be read.
  }
  response.bodyAsText = body.toString("utf8");
  return response;
}

/**
 * The stream's bytes, or the error of `tooLarge()` as soon as they pass `maxAnswerBytes`. Read
 * by its `data` events rather than `for await`: an async iterator and a promise a chunk, for
 * every answer, cost more than reading the answer. `finished` reports an error or an early close.
 */
function readAtMost(stream: NodeJS.ReadableStream, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on("data", (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      length += bytes.length;
      if (length > maxAnswerBytes) {
        reject(tooLarge());
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      } else chunks.push(bytes);
    });
    finished(stream, (error) => {
      if (error) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    });
  });
}

/** Node's `ca` replaces the system's certificates, so they are given again along with the extra ones. */
function agentTlsOptions(settings: TlsSettings | undefined): https.AgentOptions {
  if (!settings) return {};
  const { ca, ...client } = settings;
  return {
    ...(ca && ca.length > 0 ? { ca: [...tls.rootCertificates, ...ca] } : {}),
    ...client,
  };
}

/** An error of the proxy, with a code the request gate does not retry (the answer will not change). */
class ProxyError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ProxyError";
  }
}

/**
 * An https agent whose connections are CONNECT tunnels through the proxy, TLS running end to end
 * inside them (with the CA and client certificate of the settings). Keep-alive pools the tunnels.
 */
class TunnelAgent extends https.Agent {
  private readonly proxyUrl: URL;
  private readonly authorization: string | undefined;

  constructor(
    private readonly proxy: ProxySettings,
    private readonly tlsOptions: https.AgentOptions,
  ) {
    super({ keepAlive: true, ...tlsOptions });
    this.proxyUrl = new URL(proxy.url);
    this.authorization =
      proxy.username !== undefined && proxy.username !== ""
        ? `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ""}`).toString("base64")}`
        : undefined;
  }

  // Node's Agent calls this with a callback and waits for it when nothing is returned.
  override createConnection(
    requestOptions: http.RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const options = requestOptions as https.RequestOptions;
    const host = options.host ?? "localhost";
    const target = `${net.isIPv6(host) ? `[${host}]` : host}:${options.port ?? 443}`;
    const name = proxyName(this.proxy);
    const secureProxy = this.proxyUrl.protocol === "https:";
    const request = (secureProxy ? https : http).request({
      host: this.proxyUrl.hostname.replace(/^\[|\]$/g, ""),
      port: this.proxyUrl.port || (secureProxy ? 443 : 80),
      method: "CONNECT",
      path: target,
      headers: {
        host: target,
        ...(this.authorization ? { "proxy-authorization": this.authorization } : {}),
      },
      agent: false,
      ...(secureProxy ? this.tlsOptions : {}),
    });
    let done = false;
    const finish = (error: Error | null, socket?: Duplex): void => {
      if (done) return;
      done = true;
      callback?.(error, socket as Duplex);
    };
    request.setTimeout(connectTimeoutMs, () => {
      request.destroy(
        new ProxyError(
          `the proxy ${name} did not answer the CONNECT to ${target} within ${connectTimeoutMs / 1000} s`,
          "EPROXYTIMEOUT",
        ),
      );
    });
    request.once("connect", (response, socket) => {
      request.setTimeout(0);
      if (response.statusCode !== 200) {
        socket.destroy();
        const credentials =
          response.statusCode === 407
            ? this.authorization
              ? ": it refused the proxy user name and password given"
              : ": it asks for a user name and password, and none was given"
            : "";
        finish(
          new ProxyError(
            `the proxy ${name} refused the tunnel to ${target} (${response.statusCode} ${response.statusMessage ?? ""}`.trimEnd() +
              `)${credentials}`,
            response.statusCode !== 407
              ? "EPROXYREFUSED"
              : this.authorization
                ? "EPROXYAUTH"
                : "EPROXYAUTHREQUIRED",
          ),
        );
        return;
      }
      // TLS runs inside the tunnel with the request's own options: the CA and client certificate,
      // the host to verify, the server name (Node's agent leaves it empty for an IP address).
      finish(null, tls.connect({ ...(options as tls.ConnectionOptions), socket }));
    });
    request.once("error", (e: Error & { code?: string }) => {
      // A socket error keeps its code (ECONNREFUSED is retried); the message names the proxy.
      finish(
        e instanceof ProxyError
          ? e
          : Object.assign(new Error(`could not reach the proxy ${name}: ${e.message}`), {
              code: e.code,
              proxy: name,
            }),
      );
    });
    request.end();
    return undefined;
  }
}
