import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Constant-time comparison against a secret hashed once. Hashing both sides means neither the
 * content nor the length of the secret shows in the time a wrong guess takes.
 */
function secretMatcher(secret: string): (given: string) => boolean {
  const expected = digest(secret);
  return (given) => timingSafeEqual(digest(given), expected);
}

/** Checks `Authorization: Bearer <token>` (the Upstash Redis REST scheme). */
export function createBearerCheck(token: string): (authorization: string | undefined) => boolean {
  const matches = secretMatcher(token);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    return match?.[1] !== undefined && matches(match[1]);
  };
}

/** Checks `Authorization: Basic base64(user:password)` (the Upstash Kafka REST scheme). */
export function createBasicCheck(
  username: string,
  password: string,
): (authorization: string | undefined) => boolean {
  const userMatches = secretMatcher(username);
  const passwordMatches = secretMatcher(password);
  return (authorization) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const separator = decoded.indexOf(":");
    if (separator < 0) return false;
    // Both parts are compared whatever the first says, so timing tells nothing about which was wrong.
    const userOk = userMatches(decoded.slice(0, separator));
    const passwordOk = passwordMatches(decoded.slice(separator + 1));
    return userOk && passwordOk;
  };
}
