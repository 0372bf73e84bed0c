import { GATEWAY_DEFAULTS } from "#shared/defaults.ts";
import type { CouponJson } from "#shared/internal-api/contract.ts";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";

export interface CouponLookupsOptions {
  internalApi: Pick<InternalApiClient, "getCoupon" | "loadCoupon">;
  /**
   * How long a coupon id PostgreSQL did not know is answered as unknown without asking again
   * (`UNKNOWN_COUPON_CACHE_MS`); 0 asks every time. Default 5000 ms.
   */
  unknownTtlMs?: number;
  /** Most unknown ids remembered at once; beyond, the oldest are forgotten first. Default 10,000. */
  maxUnknown?: number;
  now?: () => number;
}

/** What loading a coupon into Redis came to. */
export type LoadAnswer =
  | { kind: "loaded" }
  | { kind: "unknown" }
  /** The gate refused: nothing was asked. */
  | { kind: "rate-limited"; retryAfterMs: number };

/**
 * The gateway's way to PostgreSQL for a coupon (through the control process's internal API), so
 * that a flood of presses or `coupon(id)` queries for ids that do not exist does not reach
 * PostgreSQL each time: an id found unknown is remembered for `unknownTtlMs`, and lookups of one id
 * at the same moment share one call. Per gateway process; `forget` clears an id at once (a coupon
 * created through this gateway), any other gateway finds it when its entry expires. Presses of a
 * coupon Redis holds never come here: a coupon created elsewhere is loaded into Redis and admitted
 * at once everywhere, only `coupon(id)` may answer null until the entry expires.
 */
export function createCouponLookups({
  internalApi,
  unknownTtlMs = GATEWAY_DEFAULTS.unknownCouponTtlMs,
  maxUnknown = GATEWAY_DEFAULTS.unknownCouponsMax,
  now = Date.now,
}: CouponLookupsOptions) {
  /** id → when its entry expires; Map keeps insertion order, so the first entry is the oldest. */
  const unknown = new Map<string, number>();
  const loads = new Map<string, Promise<LoadAnswer>>();
  const reads = new Map<string, Promise<CouponJson | null>>();
  // Bumped by every forget: a lookup that overlapped a creation does not remember its "unknown",
  // which may have been read just before the coupon was committed.
  let creations = 0;

  function isUnknown(couponId: string): boolean {
    const expiresAt = unknown.get(couponId);
    if (expiresAt === undefined) return false;
    if (expiresAt > now()) return true;
    unknown.delete(couponId);
    return false;
  }

  function remember(couponId: string, startedAfter: number) {
    if (unknownTtlMs === 0 || startedAfter !== creations) return;
    unknown.delete(couponId);
    unknown.set(couponId, now() + unknownTtlMs);
    for (const oldest of unknown.keys()) {
      if (unknown.size <= maxUnknown) break;
      unknown.delete(oldest);
    }
  }

  /** One call per id at a time; its answer is shared by every lookup that arrived meanwhile. */
  function shared<T>(calls: Map<string, Promise<T>>, couponId: string, call: () => Promise<T>) {
    const running = calls.get(couponId);
    if (running) return running;
    const started = call().finally(() => calls.delete(couponId));
    calls.set(couponId, started);
    return started;
  }

  return {
    /**
     * Loads a coupon Redis does not know from PostgreSQL into Redis. `gate` runs only when a call
     * is about to be made (not for an id known unknown, not when joining a call in flight) and
     * answers a wait in ms: above 0, nothing is asked and the answer is `rate-limited`.
     */
    async load(couponId: string, gate?: () => Promise<number>): Promise<LoadAnswer> {
      if (isUnknown(couponId)) return { kind: "unknown" };
      const running = loads.get(couponId);
      if (running) return running;
      const retryAfterMs = gate ? await gate() : 0;
      if (retryAfterMs > 0) return { kind: "rate-limited", retryAfterMs };
      // While the gate was asked, a call of another caller may have found the id unknown.
      if (isUnknown(couponId)) return { kind: "unknown" };
      return shared(loads, couponId, async () => {
        const startedAfter = creations;
        const loaded = await internalApi.loadCoupon(couponId);
        if (loaded !== null) return { kind: "loaded" };
        remember(couponId, startedAfter);
        return { kind: "unknown" };
      });
    },

    /** The coupon as PostgreSQL has it; null when unknown. */
    async get(couponId: string): Promise<CouponJson | null> {
      if (isUnknown(couponId)) return null;
      return shared(reads, couponId, async () => {
        const startedAfter = creations;
        const coupon = await internalApi.getCoupon(couponId);
        if (coupon === null) remember(couponId, startedAfter);
        return coupon;
      });
    },

    /** The coupon exists now (it was just created): ask PostgreSQL again next time. */
    forget(couponId: string): void {
      creations++;
      unknown.delete(couponId);
    },
  };
}

export type CouponLookups = ReturnType<typeof createCouponLookups>;
