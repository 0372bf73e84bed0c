import { parseId } from "#shared/ids.ts";
import { verifyHs256Jwt } from "./verify-jwt.ts";

export type Caller = { userId: string; isAdmin: boolean };

/**
 * Who is calling. Development mode (no JWT secret): the `x-user-id` header, and admin operations
 * are open. JWT mode: the token's `sub`, admin when its `roles` (or `role`) contains "admin";
 * `x-user-id` is ignored. Returns null for an anonymous or unverifiable caller.
 */
export async function resolveCaller(
  request: Request,
  jwtSecret: string | null,
): Promise<Caller | null> {
  if (jwtSecret === null) {
    const header = request.headers.get("x-user-id");
    const parsed = header === null ? null : parseId(header.trim());
    return parsed?.ok ? { userId: parsed.id, isAdmin: true } : null;
  }
  const authorization = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(authorization);
  if (!match?.[1]) return null;
  const claims = await verifyHs256Jwt(match[1], jwtSecret);
  if (!claims) return null;
  const subject = parseId(claims.sub);
  if (!subject.ok) return null;
  const roles = Array.isArray(claims.roles) ? claims.roles : [claims.role];
  return { userId: subject.id, isAdmin: roles.includes("admin") };
}
