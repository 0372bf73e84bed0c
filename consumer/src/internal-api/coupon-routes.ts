import { z } from "zod";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { parseInput } from "#shared/http-kit/parse-input.ts";
import { readJsonBody } from "#shared/http-kit/read-body.ts";
import type { Route } from "#shared/http-kit/router.ts";
import { idString } from "#shared/ids.ts";
import { createCouponInput, INTERNAL_API_PREFIX } from "#shared/internal-api/contract.ts";
import type { CouponService } from "../coupons/coupon-service.ts";

export interface CouponRoutesOptions {
  coupons: CouponService;
  /** The largest body taken: a coupon definition is far smaller. */
  maxBodyBytes: number;
}

const couponPath = z.object({ id: idString });
const requestPath = z.object({ requestId: z.uuid("must be a UUID") });

/**
 * Coupons and request outcomes, what PostgreSQL knows (contract in shared/src/internal-api):
 *   POST /internal/coupons                → 201 { coupon } | 409 (its pipeline does not run here)
 *   GET  /internal/coupons/:id            → 200 { coupon } | 404
 *   POST /internal/coupons/:id/load       → 200 { loaded } | 404
 *   GET  /internal/requests/:requestId    → 200 { request } | 404
 */
export function couponRoutes({ coupons, maxBodyBytes }: CouponRoutesOptions): Route[] {
  return [
    {
      method: "POST",
      path: `${INTERNAL_API_PREFIX}/coupons`,
      async handle({ request, response }) {
        const input = parseInput(
          createCouponInput,
          await readJsonBody(request, maxBodyBytes),
          "coupon",
        );
        try {
          sendJson(response, 201, { coupon: await coupons.create(input) });
        } catch (error) {
          if (error instanceof PipelineDisabledError) throw new HttpError(409, error.message);
          throw error;
        }
      },
    },
    {
      method: "GET",
      path: `${INTERNAL_API_PREFIX}/coupons/:id`,
      async handle({ response, params }) {
        const coupon = await coupons.get(parseInput(couponPath, params, "path").id);
        if (coupon) sendJson(response, 200, { coupon });
        else sendJson(response, 404, { error: "no such coupon" });
      },
    },
    {
      method: "POST",
      path: `${INTERNAL_API_PREFIX}/coupons/:id/load`,
      async handle({ response, params }) {
        const loaded = await coupons.load(parseInput(couponPath, params, "path").id);
        if (loaded === null) sendJson(response, 404, { error: "no such coupon" });
        else sendJson(response, 200, { loaded });
      },
    },
    {
      method: "GET",
      path: `${INTERNAL_API_PREFIX}/requests/:requestId`,
      async handle({ response, params }) {
        const found = await coupons.getRequest(parseInput(requestPath, params, "path").requestId);
        if (found) sendJson(response, 200, { request: found });
        else sendJson(response, 404, { error: "no such request" });
      },
    },
  ];
}
