/**
 * Who the shopper is, as the gateway hears it. Development mode: the `x-user-id` header (over
 * WebSocket, the same name in `connectionParams`). A shop in JWT mode implements this same
 * interface with its login's token (`authorization: Bearer <token>`); nothing else changes.
 */
export interface ShopperIdentity {
  /** Shown on the page. */
  readonly label: string;
  /** Headers of every HTTP request (queries, the press, SSE subscriptions). */
  headers(): Record<string, string>;
  /** graphql-ws's `connection_init` payload, for the WebSocket transport. */
  connectionParams(): Record<string, string>;
}

export function developmentIdentity(userId: string): ShopperIdentity {
  return {
    label: `shopper ${userId}`,
    headers: () => ({ "x-user-id": userId }),
    connectionParams: () => ({ "x-user-id": userId }),
  };
}

const STORAGE_KEY = "coupon-drop.shopper";
const isUserId = (value: string | null): value is string =>
  value !== null && /^[1-9]\d{0,17}$/.test(value);

/**
 * The development shopper id: `?user=123` names it (and is kept for the next visit), else the one
 * kept in `storage`, else a new random one, kept.
 */
export function pickShopperId(url: URL, storage: Pick<Storage, "getItem" | "setItem">): string {
  const named = url.searchParams.get("user");
  const kept = storage.getItem(STORAGE_KEY);
  const id = isUserId(named)
    ? named
    : isUserId(kept)
      ? kept
      : String(1 + Math.floor(Math.random() * 1_000_000_000));
  storage.setItem(STORAGE_KEY, id);
  return id;
}
