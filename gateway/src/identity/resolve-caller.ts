import { parseId } from "#shared/ids.ts";
import { InvalidTokenError } from "./invalid-token-error.ts";
import { type Caller, createTokenVerifier, type TokenVerifierOptions } from "./verify-token.ts";

export type { Caller } from "./verify-token.ts";

/** `AUTH_MODE` and, in JWT mode, how tokens are checked (config.ts). */
export type IdentityOptions = { mode: "development" } | ({ mode: "jwt" } & TokenVerifierOptions);

/** Who is calling: null for an anonymous caller. Reads only the request's headers. */
export type ResolveCaller = (request: { headers: Pick<Headers, "get"> }) => Promise<Caller | null>;

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Who is calling. Development mode: the user named by the `x-user-id` header, a plain user (admin
 * operations are open in that mode anyway, see schema/errors.ts). JWT mode: the bearer token's
 * `sub`, admin by its `roles`, and `x-user-id` ignored; no Authorization header is an anonymous
 * caller, and one that is not a valid bearer token throws `InvalidTokenError` (never anonymous:
 * a caller who sent credentials is told they failed).
 */
export function createResolveCaller(identity: IdentityOptions): ResolveCaller {
  if (identity.mode === "development") {
    return async (request) => {
      const header = request.headers.get("x-user-id");
      const parsed = header === null ? null : parseId(header.trim());
      return parsed?.ok ? { userId: parsed.id, isAdmin: false } : null;
    };
  }
  const verify = createTokenVerifier(identity);
  return async (request) => {
    const authorization = request.headers.get("authorization");
    if (authorization === null) return null;
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined)
      throw new InvalidTokenError("the Authorization header is not 'Bearer <token>'");
    return verify(token);
  };
}
