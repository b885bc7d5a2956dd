/** Plain HTTPS requests to the emulator, for the tests that check its raw answers. */
import assert from "node:assert/strict";
import { request } from "node:https";
import type { Emulator } from "../../src/emulator/index.ts";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            // not JSON: the test looks at text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A token from the emulator's managed identity (App Service 2019-08-01) for a resource. */
export async function miToken(emu: Emulator, resource: string): Promise<string> {
  const answer = await send(
    `${emu.identityEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`,
    { headers: { "X-IDENTITY-HEADER": emu.identityHeader } },
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.json.token_type, "Bearer");
  assert.match(String(answer.json.expires_on), /^\d+$/);
  return String(answer.json.access_token);
}

export const auth = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

/** The `error` object of an answer's body. */
export function errorOf(answer: Answer): { code?: string; message?: string; innererror?: unknown } {
  return answer.json.error ?? {};
}
