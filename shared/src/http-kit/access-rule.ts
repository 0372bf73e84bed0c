import { createBasicCheck, createBearerCheck } from "./authorization.ts";
import { HttpError } from "./http-error.ts";

/**
 * Who may read a protected page (`/metrics`, the dashboard): anyone (development on loopback only),
 * the bearer of its own credential, or nobody, when the deployment set none (outside development a
 * page is never open, and never opened by another purpose's credential: a scraper's token does not
 * open the internal API, nor the internal API's token the dashboard).
 */
export type AccessRule =
  | { kind: "open" }
  | { kind: "token"; token: string }
  | { kind: "closed"; variable: string };

/** The rule a process's configuration gives a page from its credential (`variable`, if set). */
export function accessRule(
  variable: string,
  token: string | undefined,
  development: boolean,
): AccessRule {
  if (token !== undefined) return { kind: "token", token };
  return development ? { kind: "open" } : { kind: "closed", variable };
}

export interface AccessGuardOptions {
  /** What the page is, for the refusal's message ("/metrics", "the dashboard"). */
  what: string;
  /** Take the token as the password of HTTP Basic with this user too (a browser asks for it). */
  basicUser?: string;
}

/** Throws the page's 401 (wrong or missing credential) or 403 (closed); returns when allowed. */
export function createAccessGuard(
  rule: AccessRule,
  { what, basicUser }: AccessGuardOptions,
): (authorization: string | undefined) => void {
  if (rule.kind === "open") return () => {};
  if (rule.kind === "closed")
    return () => {
      throw new HttpError(403, `${what} is not served: set ${rule.variable} to open it`);
    };
  const checks = [
    createBearerCheck(rule.token),
    ...(basicUser ? [createBasicCheck(basicUser, rule.token)] : []),
  ];
  const challenge = basicUser
    ? { "www-authenticate": `Basic realm="coupon drop ${what}", charset="UTF-8"` }
    : undefined;
  return (authorization) => {
    if (!checks.some((check) => check(authorization)))
      throw new HttpError(401, `${what} asks for its own credential`, challenge);
  };
}
