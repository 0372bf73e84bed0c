/**
 * The Redis key layout: the one place key names are built. Every key a script touches for a coupon
 * carries the hash tag `{coupon:<id>}`, so each script's keys live in one slot and the scripts run
 * unchanged on Redis Cluster.
 */
export interface CouponKeys {
  /**
   * hash: total, issued (PostgreSQL's count as last seen), startsAt, endsAt (epoch ms or ""),
   * pipeline, presses (presses admission looked at, counted by admit.lua for the dashboard)
   */
  meta: string;
  /** hash: userId → requestId of that user's live request */
  users: string;
  /** sorted set: requestId → admission time (ms) of every admitted request without an outcome */
  pending: string;
  /** hash: requestId → request record (JSON) */
  requests: string;
  /**
   * stream: the admitted requests of a `REDIS_STREAM` coupon, appended by admit.lua in the same
   * step as the admission, read by the stream workers' group, each entry deleted once persisted.
   */
  stream: string;
}

/**
 * Whom a rate limit counts: a user, or a client address (keys.ts takes it as the gateway normalised
 * it: digits, hex, dots and colons only, never a brace).
 */
export type RateLimitSubject = { kind: "user"; id: string } | { kind: "address"; id: string };

/** Every key and channel name the system uses in Redis, under one prefix. */
export interface RedisKeys {
  /** The prefix every name starts with ("" for the system's own names). */
  prefix: string;
  coupon(couponId: string): CouponKeys;
  /** The coupon's keys in the order every coupon script declares them (KEYS[1..5]). */
  couponList(couponId: string): string[];
  /** requestId → couponId, so a request can be found from its id alone (its own slot). */
  requestIndex(requestId: string): string;
  /** Set of coupon ids loaded into Redis; the reconciler walks their pending indexes. */
  loadedCoupons: string;
  /** Set of the loaded coupons whose pipeline is `REDIS_STREAM`: the streams the workers read. */
  streamCoupons: string;
  /**
   * stream: the dead letters of the stream workers (the Redis pipeline's `coupon-issue-requests.DLT`),
   * read by the DLT monitor. Its own slot: a worker writes it apart from any coupon's script.
   */
  streamDeadLetters: string;
  /** Pub/sub channel on which every status change of one request is published. */
  statusChannel(requestId: string): string;
  /** Held by the reconciler pass that re-produces a request, so concurrent passes do it once. */
  reconcileClaim(requestId: string): string;
  /**
   * The token bucket of a subject's presses of one coupon (admit.lua). It carries the coupon's hash
   * tag: admit.lua takes it in the same atomic step as the admission, in the coupon's cluster slot.
   * A bucket per subject across coupons could not share that slot (every coupon has its own), so it
   * would cost a second call on every press: the limits are per coupon instead.
   */
  pressBucket(couponId: string, subject: RateLimitSubject): string;
  /**
   * The token bucket of a subject's lookups of coupons Redis does not know (take-tokens.lua), each
   * loaded from PostgreSQL: across coupons, in the subject's own slot. Checked only on that path,
   * which costs an internal-API call anyway.
   */
  lookupBucket(subject: RateLimitSubject): string;
  /** Whether `key` is a request index key (the Redis REST proxy lets the gateway touch only those). */
  isRequestIndex(key: string): boolean;
  /** Whether `name` is a request's status channel (the only channels the gateway subscribes to). */
  isStatusChannel(name: string): boolean;
}

/** How long a request index key (requestId → couponId) lives: a week. */
export const REQUEST_INDEX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A prefix may not hold a brace (it would become the hash tag and scatter a coupon's keys over
 * slots), a comma (the Upstash client splits pub/sub lines on commas) or whitespace.
 */
export const REDIS_KEY_PREFIX_PATTERN = /^[^{},\s]*$/;

// Request ids are UUIDs; a key or channel for anything else is not one the system makes.
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const templateOf = (build: (id: string) => string) =>
  new RegExp(
    `^${build("\u0000")
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace("\u0000", UUID)}$`,
  );

/** A subject id as a key part: a brace would move a key's hash tag, so none may pass. */
function subjectPart(id: string): string {
  if (/[{}\s]/.test(id) || id === "")
    throw new Error(`invalid rate-limit subject ${JSON.stringify(id)}`);
  return id;
}

/**
 * The key layout under `prefix`. The default (no prefix) is the system's own layout; a prefix lets
 * processes or tests share one Redis database without seeing each other's keys.
 */
export function createRedisKeys(prefix = ""): RedisKeys {
  if (!REDIS_KEY_PREFIX_PATTERN.test(prefix))
    throw new Error(
      `invalid Redis key prefix ${JSON.stringify(prefix)}: no braces, commas or spaces`,
    );
  const couponTag = (couponId: string) => `${prefix}coupon:{coupon:${couponId}}`;
  const coupon = (couponId: string): CouponKeys => {
    const tag = couponTag(couponId);
    return {
      meta: `${tag}:meta`,
      users: `${tag}:users`,
      pending: `${tag}:pending`,
      requests: `${tag}:requests`,
      stream: `${tag}:stream`,
    };
  };
  const requestIndex = (requestId: string) => `${prefix}request:{${requestId}}:coupon`;
  const statusChannel = (requestId: string) => `${prefix}issue-status:${requestId}`;
  const requestIndexPattern = templateOf(requestIndex);
  const statusChannelPattern = templateOf(statusChannel);
  return {
    prefix,
    coupon,
    couponList(couponId) {
      const keys = coupon(couponId);
      return [keys.meta, keys.users, keys.pending, keys.requests, keys.stream];
    },
    requestIndex,
    loadedCoupons: `${prefix}coupons:loaded`,
    streamCoupons: `${prefix}coupons:streams`,
    streamDeadLetters: `${prefix}issue-stream:dead-letters`,
    pressBucket: (couponId, { kind, id }) =>
      `${couponTag(couponId)}:rate:${kind}:${subjectPart(id)}`,
    lookupBucket: ({ kind, id }) => `${prefix}rate:{${kind}:${subjectPart(id)}}:lookups`,
    statusChannel,
    reconcileClaim: (requestId) => `${prefix}reconcile-claim:{${requestId}}`,
    isRequestIndex: (key) => requestIndexPattern.test(key),
    isStatusChannel: (name) => statusChannelPattern.test(name),
  };
}

/** The system's own layout (no prefix); the names below are its parts. */
export const DEFAULT_REDIS_KEYS = createRedisKeys();

export const couponKeys = DEFAULT_REDIS_KEYS.coupon;
export const couponKeyList = DEFAULT_REDIS_KEYS.couponList;
export const requestIndexKey = DEFAULT_REDIS_KEYS.requestIndex;
export const LOADED_COUPONS_KEY = DEFAULT_REDIS_KEYS.loadedCoupons;
export const requestStatusChannel = DEFAULT_REDIS_KEYS.statusChannel;
export const isRequestIndexKey = DEFAULT_REDIS_KEYS.isRequestIndex;
export const isRequestStatusChannel = DEFAULT_REDIS_KEYS.isStatusChannel;
