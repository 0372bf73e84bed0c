/**
 * The Redis key layout: the one place key names are built. Every key a script touches for a coupon
 * carries the hash tag `{coupon:<id>}`, so each script's keys live in one slot and the scripts run
 * unchanged on Redis Cluster.
 */
export interface CouponKeys {
  /** hash: total, issued (PostgreSQL's count as last seen), startsAt, endsAt (epoch ms or "") */
  meta: string;
  /** hash: userId → requestId of that user's live request */
  users: string;
  /** sorted set: requestId → admission time (ms) of every admitted request without an outcome */
  pending: string;
  /** hash: requestId → request record (JSON) */
  requests: string;
}

export function couponKeys(couponId: string): CouponKeys {
  const tag = `coupon:{coupon:${couponId}}`;
  return {
    meta: `${tag}:meta`,
    users: `${tag}:users`,
    pending: `${tag}:pending`,
    requests: `${tag}:requests`,
  };
}

/** Keys in the order every coupon script declares them (KEYS[1..4]). */
export function couponKeyList(couponId: string): string[] {
  const keys = couponKeys(couponId);
  return [keys.meta, keys.users, keys.pending, keys.requests];
}

/** requestId → couponId, so a request can be found from its id alone (its own slot). */
export function requestIndexKey(requestId: string): string {
  return `request:{${requestId}}:coupon`;
}

// Request ids are UUIDs; a key or channel for anything else is not one the system makes.
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const templateOf = (build: (id: string) => string) =>
  new RegExp(
    `^${build("\u0000")
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace("\u0000", UUID)}$`,
  );
const REQUEST_INDEX_KEY = templateOf(requestIndexKey);

/** Whether `key` is a request index key (the Redis REST proxy lets the gateway touch only those). */
export function isRequestIndexKey(key: string): boolean {
  return REQUEST_INDEX_KEY.test(key);
}

/** Set of coupon ids loaded into Redis; the reconciler walks their pending indexes. */
export const LOADED_COUPONS_KEY = "coupons:loaded";

/** Pub/sub channel on which every status change of one request is published (no commas). */
export function requestStatusChannel(requestId: string): string {
  return `issue-status:${requestId}`;
}

const REQUEST_STATUS_CHANNEL = templateOf(requestStatusChannel);

/** Whether `name` is a request's status channel (the only channels the gateway subscribes to). */
export function isRequestStatusChannel(name: string): boolean {
  return REQUEST_STATUS_CHANNEL.test(name);
}
