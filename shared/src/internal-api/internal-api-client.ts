import type { z } from "zod";
import { CouponDropError } from "../errors/coupon-drop-error.ts";
import { messageOf } from "../errors/message-of.ts";
import { PipelineDisabledError } from "../errors/pipeline-disabled-error.ts";
import {
  type CouponJson,
  type CreateCouponInput,
  couponResponse,
  type DeadLetterJson,
  deadLetterListResponse,
  deadLetterResponse,
  errorResponse,
  INTERNAL_API_PREFIX,
  loadResponse,
  type ReplayResultJson,
  type RequestJson,
  replayResponse,
  requestResponse,
} from "./contract.ts";

/**
 * Where an internal API failure enters the caller: `status` is the HTTP status, 0 when no answer
 * came. Retriable when the control process could not be reached or answered 5xx (PostgreSQL or
 * Redis behind it away); a 4xx is the caller's mistake and fails the same way again.
 */
export class InternalApiError extends CouponDropError {
  readonly status: number;
  constructor(message: string, status: number, { cause }: { cause?: unknown } = {}) {
    super(message, { retriable: status === 0 || status >= 500, cause });
    this.status = status;
  }
}

export interface InternalApiClientOptions {
  url: string;
  token: string;
  /** Per-call deadline. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * The internal API over fetch (Web-standard, so the gateway can run it anywhere): what needs
 * PostgreSQL, for the gateway and for the admin CLI.
 */
export function createInternalApiClient({
  url,
  token,
  timeoutMs = 5000,
}: InternalApiClientOptions) {
  const base = url.replace(/\/$/, "") + INTERNAL_API_PREFIX;

  async function call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T | null> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new InternalApiError(`internal API unreachable: ${messageOf(error)}`, 0, {
        cause: error,
      });
    }
    const json: unknown = await response.json().catch(() => null);
    if (response.status === 404) return null;
    if (!response.ok) {
      const parsed = errorResponse.safeParse(json);
      throw new InternalApiError(
        parsed.success ? parsed.data.error : `internal API answered ${response.status}`,
        response.status,
      );
    }
    return schema.parse(json);
  }

  return {
    /** Throws `PipelineDisabledError` when the coupon's pipeline does not run (409). */
    async createCoupon(input: CreateCouponInput): Promise<CouponJson> {
      const reply = await call("POST", "/coupons", couponResponse, input).catch((error) => {
        if (error instanceof InternalApiError && error.status === 409)
          throw new PipelineDisabledError(error.message);
        throw error;
      });
      if (!reply) throw new InternalApiError("internal API lost the coupon it created", 500);
      return reply.coupon;
    },
    async getCoupon(id: string): Promise<CouponJson | null> {
      return (await call("GET", `/coupons/${id}`, couponResponse))?.coupon ?? null;
    },
    /** Loads the coupon's admission state into Redis; null when PostgreSQL has no such coupon. */
    async loadCoupon(id: string): Promise<boolean | null> {
      return (await call("POST", `/coupons/${id}/load`, loadResponse))?.loaded ?? null;
    },
    async getRequest(requestId: string): Promise<RequestJson | null> {
      return (await call("GET", `/requests/${requestId}`, requestResponse))?.request ?? null;
    },
    async listDeadLetters(filter: {
      couponId: string | null;
      limit: number;
    }): Promise<{ deadLetters: DeadLetterJson[]; total: number }> {
      const query = new URLSearchParams({ limit: String(filter.limit) });
      if (filter.couponId) query.set("couponId", filter.couponId);
      return (
        (await call("GET", `/dead-letters?${query}`, deadLetterListResponse)) ?? {
          deadLetters: [],
          total: 0,
        }
      );
    },
    /** One dead letter with its whole payload; null when there is none of that id. */
    async getDeadLetter(id: string): Promise<DeadLetterJson | null> {
      return (await call("GET", `/dead-letters/${id}`, deadLetterResponse))?.deadLetter ?? null;
    },
    /** Replays one dead letter, or (with `couponId`) every one of a coupon not replayed yet. */
    async replayDeadLetters(
      target: { id: string } | { couponId: string },
    ): Promise<ReplayResultJson[]> {
      const path =
        "id" in target
          ? `/dead-letters/${target.id}/replay`
          : `/dead-letters/replay?couponId=${target.couponId}`;
      return (await call("POST", path, replayResponse))?.results ?? [];
    },
  };
}

export type InternalApiClient = ReturnType<typeof createInternalApiClient>;
