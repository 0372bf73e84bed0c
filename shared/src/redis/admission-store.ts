import { DEFAULT_ISSUE_PIPELINE, type IssuePipeline } from "../issue-pipeline.ts";
import {
  type AdmitResult,
  admitResultFromReply,
  type PendingRequest,
  pendingRequestsFromReply,
  type RequestRecord,
  requestRecordFromReply,
  settleArgument,
  withdrawalArgument,
  withdrawnFromClaimReply,
} from "../lifecycle/lua-replies.ts";
import type { RequestRef, Settlement } from "../lifecycle/outcome.ts";
import { createRedisKeys } from "./keys.ts";
import {
  type LuaScript,
  loadScripts,
  type ScriptName,
  type ScriptTransport,
} from "./script-transport.ts";
import { bucketArguments, type SubjectLimit, waitFromTakeReply } from "./token-buckets.ts";

export interface CouponAdmissionState {
  total: number;
  issued: number;
  pending: number;
  remaining: number;
}

export interface CouponToLoad {
  couponId: string;
  totalQuantity: number;
  issuedCount: number;
  startsAt: Date | null;
  endsAt: Date | null;
  /** Fixed when the coupon was created. Default `KAFKA`. */
  pipeline?: IssuePipeline;
  issued: Array<{ userId: string; requestId: string }>;
}

const USERS_PER_LOAD_CHUNK = 1000;

export interface AdmissionStoreOptions {
  /**
   * Prefix of every key and channel name (see keys.ts). Default "": the system's own names; a test
   * gives its own, so it neither sees nor disturbs another's coupons.
   */
  keyPrefix?: string;
}

/**
 * Typed operations on a coupon's admission state, over any {@link ScriptTransport}. Every write is
 * one Lua script, so each is atomic; gateway and consumers share this module.
 */
export function createAdmissionStore(
  transport: ScriptTransport,
  { keyPrefix = "" }: AdmissionStoreOptions = {},
) {
  const keys = createRedisKeys(keyPrefix);
  const scripts = loadScripts();
  async function run(
    name: ScriptName,
    couponId: string,
    args: string[],
    moreKeys: string[] = [],
  ): Promise<unknown> {
    const script: LuaScript = (await scripts)[name];
    return transport.evalScript(script, [...keys.couponList(couponId), ...moreKeys], args);
  }

  /** Tells the stream workers about a REDIS_STREAM coupon's stream (keys.streamCoupons). */
  async function trackStream(couponId: string): Promise<void> {
    await transport.evalScript((await scripts)["track-loaded"], [keys.streamCoupons], [couponId]);
  }

  return {
    /** The key layout the store works in; whoever reads the same state uses the same one. */
    keys,

    /**
     * Admits a press after one token from the bucket of each of `limits` for this coupon
     * (keys.pressBucket: in the coupon's slot, so in the same atomic step); none, no rate limit. A
     * limited press is answered `rate-limited` and nothing of it is written.
     */
    async admit(input: {
      couponId: string;
      userId: string;
      requestId: string;
      requestedAt: string;
      limits?: readonly SubjectLimit[];
      /**
       * Writes the request index (keys.requestIndex) in the same step when accepted, with this time
       * to live; unset, it is not written. Only where the index's slot is the coupon's: one Redis
       * (a cluster refuses the script with CROSSSLOT, and nothing of it runs).
       */
      indexTtlSeconds?: number;
    }): Promise<AdmitResult> {
      const limits = bucketArguments(input.limits ?? [], (subject) =>
        keys.pressBucket(input.couponId, subject),
      );
      const indexed = input.indexTtlSeconds !== undefined;
      const reply = await run(
        "admit",
        input.couponId,
        [
          input.userId,
          input.requestId,
          input.couponId,
          input.requestedAt,
          indexed ? String(input.indexTtlSeconds) : "",
          ...limits.args,
        ],
        indexed ? [keys.requestIndex(input.requestId), ...limits.keys] : limits.keys,
      );
      return admitResultFromReply(reply);
    },

    /**
     * Takes one token from the lookup bucket of each of `limits` (keys.lookupBucket: a subject's
     * lookups of coupons Redis does not know, across coupons). Each bucket lives in its subject's
     * slot, so each is a call of its own; they go out together. Returns 0 when every token was
     * taken, or the longest wait in ms. A bucket that refused took nothing; one that allowed keeps
     * its token even when another refused.
     */
    async takeLookupTokens(limits: readonly SubjectLimit[]): Promise<number> {
      const script = (await scripts)["take-tokens"];
      const waits = await Promise.all(
        limits.map(async (limit) => {
          const { keys: bucket, args } = bucketArguments([limit], keys.lookupBucket);
          return waitFromTakeReply(await transport.evalScript(script, bucket, args));
        }),
      );
      return Math.max(0, ...waits);
    },

    /**
     * Records outcomes of one coupon's requests (status, slot, stock: compensation for a FAILED one)
     * and publishes each change; returns how many records changed. `issuedCount` is PostgreSQL's
     * `issued_count` after the outcomes were committed, when known.
     */
    async settle(
      couponId: string,
      settlements: readonly Settlement[],
      issuedCount: number | null,
    ): Promise<number> {
      if (settlements.length === 0) return 0;
      const reply = await run("settle", couponId, [
        issuedCount === null ? "" : String(issuedCount),
        new Date().toISOString(),
        keys.statusChannel(""),
        settleArgument(settlements),
      ]);
      return Number(reply);
    },

    /**
     * Withdraws an admission whose event may not have reached Kafka: FAILED NOT_RECORDED, stock and
     * slot given back. Refused (false) when a consumer already holds the event or it has an
     * outcome: then it was recorded after all and will be, or has been, decided.
     */
    async withdraw(request: RequestRef): Promise<boolean> {
      const reply = await run("settle", request.couponId, [
        "",
        new Date().toISOString(),
        keys.statusChannel(""),
        withdrawalArgument(request),
      ]);
      return Number(reply) === 1;
    },

    /**
     * Marks requests as held by a consumer, so the gateway can no longer withdraw them; returns the
     * ones it had withdrawn already (their callers were told they were not counted).
     */
    async claim(couponId: string, requestIds: string[]): Promise<Set<string>> {
      if (requestIds.length === 0) return new Set();
      return withdrawnFromClaimReply(await run("claim", couponId, [JSON.stringify(requestIds)]));
    },

    /** Loads a coupon from PostgreSQL's view of it; false when it was already loaded. */
    async load(coupon: CouponToLoad): Promise<boolean> {
      for (let i = 0; i < coupon.issued.length; i += USERS_PER_LOAD_CHUNK) {
        const pairs = coupon.issued
          .slice(i, i + USERS_PER_LOAD_CHUNK)
          .flatMap((u) => [u.userId, u.requestId]);
        await run("load-coupon", coupon.couponId, ["users", ...pairs]);
      }
      const written = await run("load-coupon", coupon.couponId, [
        "meta",
        coupon.couponId,
        String(coupon.totalQuantity),
        String(coupon.issuedCount),
        coupon.startsAt ? String(coupon.startsAt.getTime()) : "",
        coupon.endsAt ? String(coupon.endsAt.getTime()) : "",
        coupon.pipeline ?? DEFAULT_ISSUE_PIPELINE,
      ]);
      const track = (await scripts)["track-loaded"];
      await transport.evalScript(track, [keys.loadedCoupons], [coupon.couponId]);
      if (coupon.pipeline === "REDIS_STREAM") await trackStream(coupon.couponId);
      return Number(written) === 1;
    },

    trackStream,

    /**
     * Appends a request's event (its JSON) to its coupon's stream again (enqueue.lua). `pending`,
     * the reconciler's: only while Redis holds the request admitted and undecided, and its first
     * entry is gone from the stream. `replay`, dead-letter replay's: always. True when appended.
     */
    async enqueue(
      couponId: string,
      requestId: string,
      eventJson: string,
      mode: "pending" | "replay",
    ): Promise<boolean> {
      return Number(await run("enqueue", couponId, [requestId, eventJson, mode])) === 1;
    },

    /**
     * A stream worker's acknowledgement of entries whose outcomes are committed and recorded: out
     * of the group's pending list and deleted from the stream, in one step (acknowledge.lua).
     */
    async acknowledge(couponId: string, group: string, entryIds: string[]): Promise<number> {
      if (entryIds.length === 0) return 0;
      return Number(await run("acknowledge", couponId, [group, ...entryIds]));
    },

    async readCoupon(couponId: string): Promise<CouponAdmissionState | null> {
      const reply = (await run("read-coupon", couponId, [])) as unknown[];
      if (!Array.isArray(reply) || reply.length < 4) return null;
      const [total, issued, pending, remaining] = reply.map(Number) as [
        number,
        number,
        number,
        number,
      ];
      return { total, issued, pending, remaining };
    },

    async readRequest(couponId: string, requestId: string): Promise<RequestRecord | null> {
      return requestRecordFromReply(await run("read-request", couponId, [requestId]));
    },

    async pendingBefore(
      couponId: string,
      cutoffMs: number,
      limit: number,
    ): Promise<PendingRequest[]> {
      return pendingRequestsFromReply(
        await run("pending-before", couponId, [String(cutoffMs), String(limit)]),
      );
    },
  };
}

export type AdmissionStore = ReturnType<typeof createAdmissionStore>;
