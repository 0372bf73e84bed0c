import type { Caller } from "./verify-token.ts";

/**
 * Whether `caller` may see a request of `ownerUserId`: its owner, or an admin (the `admin` role of
 * JWT mode; development mode has none). Anyone else is told what an unknown id gets, so a request
 * id alone reveals nothing of another user's request, not even that it exists.
 */
export function maySeeRequest(caller: Caller | null, ownerUserId: string): boolean {
  return caller !== null && (caller.isAdmin || caller.userId === ownerUserId);
}
