import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { parseId } from "#shared/ids.ts";
import { InvalidTokenError } from "./invalid-token-error.ts";

/** Who is calling, as the gateway trusts it. */
export type Caller = { userId: string; isAdmin: boolean };

/** How tokens are checked in JWT mode; config.ts reads these from `JWT_*` and validates them. */
export interface TokenVerifierOptions {
  /** `JWT_SECRET`: the HS256 key (at least 32 bytes), or null when keys come from a JWKS. */
  secret: string | null;
  /** `JWT_JWKS_URL`: an identity provider's RS256/ES256 public keys, fetched on first use, cached and refetched when a token names a key it does not hold (rotation). */
  jwksUrl: string | null;
  /** `JWT_ISSUER`: the `iss` a token must carry; null skips the check. */
  issuer: string | null;
  /** `JWT_AUDIENCE` (comma-separated): a token's `aud` must name one of them; null skips the check. */
  audience: string[] | null;
  /**
   * `JWT_MAX_TOKEN_AGE_SECONDS`: a token must carry `iat` and be at most this old; null: `exp`
   * alone decides. Default null.
   */
  maxTokenAgeSeconds?: number | null;
  /** Clock skew allowed on `exp`, `nbf` and `iat` between the issuer and this gateway. Default 30. */
  clockToleranceSeconds?: number;
  /**
   * After a fetch, how long a token naming a key the set does not hold is refused without fetching
   * the set again, so tokens with made-up key ids cannot make the gateway hammer the provider.
   * Default 30 s.
   */
  jwksCooldownMs?: number;
}

/** Pinned, so a token cannot pick its own (no `none`, no HS256 made with a public key). */
const SECRET_ALGORITHMS = ["HS256"];
const JWKS_ALGORITHMS = ["RS256", "ES256"];

/** A JWKS that could not be fetched is the identity provider's trouble, not the token's. */
function jwksKeys(url: string, cooldownMs: number): JWTVerifyGetKey {
  // Cached for 10 minutes (jose's default), so a key the provider withdrew stops working by then.
  const remote = createRemoteJWKSet(new URL(url), { cooldownDuration: cooldownMs });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      )
        throw error;
      throw new DependencyUnavailableError(`JWKS at ${url} unavailable: ${messageOf(error)}`, {
        cause: error,
      });
    }
  };
}

/**
 * Checks a bearer token with `jose` (Web Crypto, so the same on Deno, Node and Workers) and says
 * who it names: `sub` as a positive-integer user id, admin when `roles` contains "admin". A numeric
 * `exp` is required; `iss`, `aud` and the token's age are checked when configured; the algorithms
 * are pinned.
 * Throws `InvalidTokenError` for any token that fails, and `DependencyUnavailableError` when the
 * JWKS cannot be fetched.
 */
export function createTokenVerifier({
  secret,
  jwksUrl,
  issuer,
  audience,
  maxTokenAgeSeconds = null,
  clockToleranceSeconds = 30,
  jwksCooldownMs = 30_000,
}: TokenVerifierOptions): (token: string) => Promise<Caller> {
  let key: JWTVerifyGetKey | Promise<CryptoKey>;
  let algorithms: string[];
  if (secret !== null) {
    // Imported once: a verify is then one HMAC over the token.
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    algorithms = SECRET_ALGORITHMS;
  } else if (jwksUrl !== null) {
    key = jwksKeys(jwksUrl, jwksCooldownMs);
    algorithms = JWKS_ALGORITHMS;
  } else throw new Error("a token verifier needs a secret or a JWKS URL");
  const options = {
    algorithms,
    clockTolerance: clockToleranceSeconds,
    requiredClaims: maxTokenAgeSeconds === null ? ["exp", "sub"] : ["exp", "sub", "iat"],
    ...(maxTokenAgeSeconds === null ? {} : { maxTokenAge: maxTokenAgeSeconds }),
    ...(issuer === null ? {} : { issuer }),
    ...(audience === null ? {} : { audience }),
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      payload =
        typeof key === "function"
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, await key, options)).payload;
    } catch (error) {
      if (error instanceof DependencyUnavailableError) throw error;
      throw new InvalidTokenError(`token refused: ${messageOf(error)}`, { cause: error });
    }
    const subject = parseId(payload.sub);
    if (!subject.ok) throw new InvalidTokenError(`token refused: sub ${subject.error}`);
    const roles: unknown = payload.roles;
    return { userId: subject.id, isAdmin: Array.isArray(roles) && roles.includes("admin") };
  };
}
