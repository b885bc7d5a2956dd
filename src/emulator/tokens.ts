/**
 * Tokens the emulator issues: JWTs signed with HS256 under a key derived from the CA, so the
 * emulator accepts only its own tokens, and still accepts them after a restart. Clients treat
 * them as opaque; the claims are there for code that peeks (tid, oid, aud, exp).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  aud: string;
  iss: string;
  sub: string;
  tid: string;
  oid: string;
  appid?: string;
  iat: number;
  nbf: number;
  exp: number;
  /** What the token is for: "access" (vault / ARM) or "oidc" (a federated assertion). */
  typ: "access" | "oidc";
}

/** An hour, as Entra issues by default. */
export const tokenLifetimeSeconds = 3600;

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

export class TokenIssuer {
  constructor(private readonly key: Buffer) {}

  issue(claims: Omit<TokenClaims, "iat" | "nbf" | "exp"> & { lifetimeSeconds?: number }): {
    token: string;
    expiresOn: number;
  } {
    const now = Math.floor(Date.now() / 1000);
    const { lifetimeSeconds = tokenLifetimeSeconds, ...rest } = claims;
    const body: TokenClaims & { jti: string } = {
      ...rest,
      iat: now,
      nbf: now - 60,
      exp: now + lifetimeSeconds,
      jti: randomUUID(),
    };
    const unsigned = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(body))}`;
    return { token: `${unsigned}.${this.sign(unsigned)}`, expiresOn: body.exp };
  }

  /** The claims of a token this emulator issued and that has not expired; else undefined. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header = "", payload = "", signature = ""] = parts;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
      const now = Math.floor(Date.now() / 1000);
      return claims.exp > now ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(unsigned: string): string {
    return createHmac("sha256", this.key).update(unsigned).digest("base64url");
  }
}

/** The resource a scope or resource string names: `https://vault.azure.net/.default` -> `https://vault.azure.net`. */
export function resourceOf(scopeOrResource: string): string {
  return scopeOrResource.replace(/\/\.default$/, "").replace(/\/$/, "");
}

/** Whether a token's audience is a Key Vault one (any cloud's), or an ARM one. */
export function isVaultAudience(aud: string): boolean {
  return /vault/i.test(aud);
}
export function isArmAudience(aud: string): boolean {
  return /management/i.test(aud);
}
