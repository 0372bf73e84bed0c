import SchemaBuilder from "@pothos/core";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import type { CouponLookups } from "../admission/coupon-lookups.ts";
import type { IssueCoupon } from "../admission/issue-coupon.ts";
import type { Caller } from "../identity/resolve-caller.ts";
import type { WatchTokens } from "../identity/watch-token.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { RequestStatus } from "../status/request-status.ts";
import type { SubscriptionSlots } from "../status/subscription-slots.ts";

export interface GatewayServices {
  issueCoupon: IssueCoupon;
  requestStatus: RequestStatus;
  /** Caps on open requestStatus subscriptions, per caller and in all. */
  subscriptionSlots: SubscriptionSlots;
  internalApi: InternalApiClient;
  /** Coupons from PostgreSQL, ids found unknown remembered for a moment. */
  couponLookups: CouponLookups;
  store: AdmissionStore;
  /** The gateway's own metrics (served at /metrics): each press counted and timed. */
  metrics: GatewayMetrics;
  /** Capabilities to watch one request without credentials in headers (a browser's EventSource). */
  watchTokens: WatchTokens;
}

export interface GatewayContext {
  caller: Caller | null;
  /** AUTH_MODE=development: callers name themselves with x-user-id and admin operations are open. */
  devMode: boolean;
  services: GatewayServices;
  request: Request;
  /**
   * The client address the per-address rate limit counts (identity/client-address.ts); null for a
   * loopback client in development mode, which it does not limit.
   */
  rateLimitAddress: string | null;
}

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: { DateTime: { Input: Date; Output: Date | string } };
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });
