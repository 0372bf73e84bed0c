import { jwtVerify, SignJWT } from "jose";
import type { Caller } from "./verify-token.ts";

export interface WatchTokensOptions {
  /** `WATCH_TOKEN_SECRET`: the gateway's own HMAC key (at least 32 bytes outside loopback). */
  secret: string;
  /** `WATCH_TOKEN_TTL_MS`: how long a token is good for after it was handed out. */
  ttlMs: number;
  /** Test seam: the clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * The token's JOSE `typ` and `aud`: a watch token is no bearer token for anything else, and a
 * bearer token (signed by the identity provider, with its own `aud`) is no watch token.
 */
const WATCH_TOKEN_TYPE = "coupon-drop-watch+jwt";
const WATCH_TOKEN_AUDIENCE = "coupon-drop:requestStatus";
const ALGORITHMS = ["HS256"];

/**
 * Short-lived capabilities to watch one request: what a browser's `EventSource` (which sends no
 * headers) carries in the URL instead of a bearer token. A token is a JWT signed with the gateway's
 * own key (HS256, by `jose` on Web Crypto): `sub` the request's owner, `rid` the request id, `exp`
 * `ttlMs` after it was handed out. It proves "the owner of request `rid`", for that request only:
 * `verify` refuses it for any other request id, once expired, or when the signature is not the
 * gateway's own.
 */
export function createWatchTokens({ secret, ttlMs, now = Date.now }: WatchTokensOptions) {
  const key = crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  const seconds = (ms: number) => Math.floor(ms / 1000);

  return {
    /** A token for `userId`, the owner of `requestId`, good for `ttlMs`. */
    async issue(requestId: string, userId: string): Promise<string> {
      const issuedAt = now();
      return new SignJWT({ rid: requestId })
        .setProtectedHeader({ alg: "HS256", typ: WATCH_TOKEN_TYPE })
        .setSubject(userId)
        .setAudience(WATCH_TOKEN_AUDIENCE)
        .setIssuedAt(seconds(issuedAt))
        .setExpirationTime(seconds(issuedAt + ttlMs))
        .sign(await key);
    },

    /**
     * The owner the token speaks for when it is the gateway's, unexpired, and for `requestId`;
     * null otherwise (which check failed is nobody's business: the caller sees one refusal).
     */
    async verify(token: string, requestId: string): Promise<Caller | null> {
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: ALGORITHMS,
          typ: WATCH_TOKEN_TYPE,
          audience: WATCH_TOKEN_AUDIENCE,
          requiredClaims: ["exp", "sub", "rid"],
          currentDate: new Date(now()),
        });
        if (payload.rid !== requestId || typeof payload.sub !== "string") return null;
        return { userId: payload.sub, isAdmin: false };
      } catch {
        return null;
      }
    },
  };
}

export type WatchTokens = ReturnType<typeof createWatchTokens>;
