/**
 * A CONNECT proxy on loopback for the tests, as an enterprise runs one: it records every tunnel
 * asked for (with the `Proxy-Authorization` it saw), may ask for credentials (407) or refuse
 * tunnels, and inspects TLS the way an intercepting proxy does, with a certificate of the test
 * CA, so that it can also record every request that went through it (method and path). A request
 * that did not go through it is one the emulator saw and the proxy did not.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { defaultCaDir, ensureCa, issueLeaf } from "../../src/emulator/ca.ts";

export interface ProxyTunnel {
  /** `host:port`, as the CONNECT line named it. */
  target: string;
  /** The `Proxy-Authorization` header of the CONNECT, if any. */
  proxyAuthorization?: string;
  /** The status the proxy answered. */
  status: number;
}

export interface ProxiedRequest {
  target: string;
  method: string;
  /** The path with its query. */
  path: string;
  /** The SHA-256 fingerprint of the client certificate presented to the proxy's TLS, or "none". */
  clientCertificate: string;
}

export interface ConnectProxyOptions {
  /** Tunnels need these Basic credentials; without them (or with others) the answer is 407. */
  credentials?: { username: string; password: string };
  /** Every CONNECT is answered with this status (e.g. 403), no tunnel made. */
  refuseWith?: number;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  readonly tunnels: ProxyTunnel[];
  readonly requests: ProxiedRequest[];
  stop(): Promise<void>;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const leaf = issueLeaf(ensureCa(defaultCaDir()));
  const tunnels: ProxyTunnel[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const targets = new Map<number, string>();
  const expected = options.credentials
    ? basicAuthorization(options.credentials.username, options.credentials.password)
    : undefined;

  // The decrypted side of each tunnel: every request is recorded, then sent on to the target.
  // It asks for a client certificate (none is required), as a server behind the proxy may.
  const inner = createHttpsServer(
    { key: leaf.keyPem, cert: leaf.certPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const target = targets.get(socket.remotePort ?? 0) ?? "";
      requests.push({
        target,
        method: req.method ?? "",
        path: req.url ?? "",
        clientCertificate: socket.getPeerCertificate().fingerprint256 ?? "none",
      });
      const upstream = httpsRequest(
        `https://${target}${req.url ?? "/"}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    },
  );

  const outer: Server = createServer((_req, res) => {
    // Not a CONNECT: this proxy makes tunnels only.
    res.writeHead(405, { "content-type": "text/plain" });
    res.end("CONNECT only");
  });
  outer.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  outer.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? "";
    const proxyAuthorization = req.headers["proxy-authorization"];
    const answer = (status: number, text: string, extra = ""): void => {
      tunnels.push({ target, status, ...(proxyAuthorization ? { proxyAuthorization } : {}) });
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Content-Length: 0\r\n\r\n`);
    };
    if (options.refuseWith !== undefined) {
      answer(options.refuseWith, "Refused by the test proxy");
      return;
    }
    if (expected !== undefined && proxyAuthorization !== expected) {
      answer(
        407,
        "Proxy Authentication Required",
        'Proxy-Authenticate: Basic realm="test proxy"\r\n',
      );
      return;
    }
    tunnels.push({ target, status: 200, ...(proxyAuthorization ? { proxyAuthorization } : {}) });
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    // The client's port names the tunnel on the decrypted side.
    targets.set(socket.remotePort ?? 0, target);
    inner.emit("connection", socket);
  });

  await new Promise<void>((resolve) => outer.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(outer.address() as AddressInfo).port}`,
    tunnels,
    requests,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      inner.closeAllConnections();
      await new Promise<void>((resolve) => outer.close(() => resolve()));
    },
  };
}
