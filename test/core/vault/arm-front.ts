/**
 * A flaky front for the emulator's ARM endpoint: answers the first requests with the given
 * statuses (or drops their connection), then passes requests through to the emulator. The
 * emulator injects faults on the vault only; ARM's throttling and 5xx are ARM-side, so this
 * stands in for them. Served with a certificate from the test CA, like the emulator. It asks
 * every client for a certificate (none is required) and records what each connection presented.
 */
import { request as httpsRequest } from "node:https";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { defaultCaDir, ensureCa, issueLeaf } from "../../../src/emulator/ca.ts";

export type FrontAnswer = { status: number; retryAfter?: string } | "drop";

export interface ArmFront {
  url: string;
  /** How many requests reached the front, answered or passed on. */
  readonly seen: number;
  /** The SHA-256 fingerprint of the client certificate each request's connection presented, or "none". */
  readonly clientCertificates: string[];
  stop(): Promise<void>;
}

export async function startArmFront(target: string, answers: FrontAnswer[]): Promise<ArmFront> {
  const leaf = issueLeaf(ensureCa(defaultCaDir()));
  const queue = [...answers];
  let seen = 0;
  const clientCertificates: string[] = [];
  const server: Server = createServer(
    { key: leaf.keyPem, cert: leaf.certPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      seen++;
      const presented = (req.socket as TLSSocket).getPeerCertificate();
      clientCertificates.push(presented.fingerprint256 ?? "none");
      const answer = queue.shift();
      if (answer === "drop") {
        req.socket.destroy();
        return;
      }
      if (answer) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (answer.retryAfter !== undefined) headers["retry-after"] = answer.retryAfter;
        res.writeHead(answer.status, headers);
        res.end(
          JSON.stringify({
            error: { code: `Injected${answer.status}`, message: "injected by the test" },
          }),
        );
        return;
      }
      const upstream = httpsRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get seen() {
      return seen;
    },
    clientCertificates,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
