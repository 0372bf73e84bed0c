import { createBearerCheck } from "#shared/http-kit/authorization.ts";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { createHttpService, type HttpService } from "#shared/http-kit/http-service.ts";
import { createRouter, type Router } from "#shared/http-kit/router.ts";
import type { HttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { INTERNAL_API_PREFIX } from "#shared/internal-api/contract.ts";
import type { Logger } from "#shared/logging/logger.ts";
import type { CouponService } from "../coupons/coupon-service.ts";
import { isRetriable } from "../is-retriable.ts";
import { couponRoutes } from "./coupon-routes.ts";
import { type DeadLetterRoutesOptions, deadLetterRoutes } from "./dead-letter-routes.ts";

export interface InternalApiServerOptions {
  coupons: CouponService;
  deadLetters: DeadLetterRoutesOptions;
  /** The Bearer token every `/internal/...` call must present. */
  token: string;
  /** Routes of the hosting process outside `/internal` (health, metrics), served without a token. */
  fallback?: Router;
  /** Default 64 KiB: the largest legitimate body is a coupon definition. */
  maxBodyBytes?: number;
  /** The control process's logger; unexpected errors are logged with their request's id. */
  logger?: Logger;
  /** Timeouts and connection cap of its HTTP server. Default `HTTP_SERVER_DEFAULTS`. */
  httpLimits?: Partial<HttpServerLimits>;
}

/**
 * The control process's internal HTTP API (contract in shared/src/internal-api/contract.ts) on the
 * HTTP kit: `/internal/...` behind the Bearer token, anything else left to `fallback`. Errors are
 * `{"error","status"}`: 400 for input that does not fit, 401, 404, 413, 503 for a transient
 * failure behind it, 500 for the unexpected.
 */
export function createInternalApiServer({
  coupons,
  deadLetters,
  token,
  fallback,
  maxBodyBytes = 64 * 1024,
  logger,
  httpLimits,
}: InternalApiServerOptions): HttpService {
  const isAuthorized = createBearerCheck(token);
  const internal = createRouter([
    ...couponRoutes({ coupons, maxBodyBytes }),
    ...deadLetterRoutes(deadLetters),
  ]);
  return createHttpService({
    async handle(request, response) {
      const path = new URL(request.url ?? "/", "http://internal").pathname;
      if (path.startsWith(`${INTERNAL_API_PREFIX}/`)) {
        if (!isAuthorized(request.headers.authorization))
          throw new HttpError(401, "missing or wrong bearer token");
        if (await internal(request, response)) return;
      } else if (fallback && (await fallback(request, response))) return;
      throw new HttpError(404, `no route ${request.method} ${path}`);
    },
    // A dependency away (PostgreSQL, Redis, Kafka) is 503: the caller may try again shortly.
    statusOf: (error) => (isRetriable(error) ? 503 : 500),
    logger: logger?.child({ component: "internal-api" }),
    maxBodyBytes,
    limits: httpLimits,
  });
}
