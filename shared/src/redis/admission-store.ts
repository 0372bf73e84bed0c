import type { IssueStatus } from "../issue-status.ts";
import { couponKeyList, LOADED_COUPONS_KEY, requestStatusChannel } from "./keys.ts";
import {
  type LuaScript,
  loadScripts,
  type ScriptName,
  type ScriptTransport,
} from "./script-transport.ts";

export type AdmitResult =
  | { kind: "accepted"; requestId: string }
  | { kind: "already-requested"; requestId: string; status: IssueStatus | null }
  | { kind: "sold-out" }
  | { kind: "not-loaded" }
  | { kind: "not-started" }
  | { kind: "ended" };

/** A request as Redis records it (JSON in the coupon's `requests` hash and on its channel). */
export interface RequestRecord {
  requestId: string;
  couponId: string;
  userId: string;
  status: IssueStatus;
  reason?: string;
  requestedAt: string;
  updatedAt: string;
  /** Set once a consumer holds the event (claim.lua): from then on it cannot be withdrawn. */
  claimed?: boolean;
}

export interface RequestOutcome {
  requestId: string;
  userId: string;
  couponId: string;
  requestedAt: string;
  status: Exclude<IssueStatus, "PENDING">;
  reason?: string;
  /** When the user keeps a slot through another, already issued request. */
  slotRequestId?: string;
}

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
  issued: Array<{ userId: string; requestId: string }>;
}

export interface PendingRequest {
  record: Partial<RequestRecord> & { requestId: string };
  admittedAtMs: number;
}

const USERS_PER_LOAD_CHUNK = 1000;

/**
 * Typed operations on a coupon's admission state, over any {@link ScriptTransport}. Every write is
 * one Lua script, so each is atomic; gateway and consumers share this module.
 */
export function createAdmissionStore(transport: ScriptTransport) {
  const scripts = loadScripts();
  async function run(name: ScriptName, couponId: string, args: string[]): Promise<unknown> {
    const script: LuaScript = (await scripts)[name];
    return transport.evalScript(script, couponKeyList(couponId), args);
  }

  return {
    async admit(input: {
      couponId: string;
      userId: string;
      requestId: string;
      requestedAt: string;
    }): Promise<AdmitResult> {
      const reply = (await run("admit", input.couponId, [
        input.userId,
        input.requestId,
        input.couponId,
        input.requestedAt,
      ])) as string[];
      switch (reply[0]) {
        case "ACCEPTED":
          return { kind: "accepted", requestId: String(reply[1]) };
        case "ALREADY":
          return {
            kind: "already-requested",
            requestId: String(reply[1]),
            status: reply[2] ? (reply[2] as IssueStatus) : null,
          };
        case "SOLD_OUT":
          return { kind: "sold-out" };
        case "NOT_LOADED":
          return { kind: "not-loaded" };
        case "NOT_STARTED":
          return { kind: "not-started" };
        case "ENDED":
          return { kind: "ended" };
        default:
          throw new Error(`admit script answered ${JSON.stringify(reply)}`);
      }
    },

    /** Records outcomes of one coupon's requests; returns how many records changed. */
    async settle(
      couponId: string,
      outcomes: RequestOutcome[],
      issuedCount: number | null,
    ): Promise<number> {
      if (outcomes.length === 0) return 0;
      const reply = await run("settle", couponId, [
        issuedCount === null ? "" : String(issuedCount),
        new Date().toISOString(),
        requestStatusChannel(""),
        JSON.stringify(outcomes),
      ]);
      return Number(reply);
    },

    /**
     * Withdraws an admission whose event may not have reached Kafka: FAILED NOT_RECORDED, stock and
     * slot given back. Refused (false) when a consumer already holds the event or it has an
     * outcome: then it was recorded after all and will be, or has been, decided.
     */
    async withdraw(request: Omit<RequestOutcome, "status" | "reason">): Promise<boolean> {
      const withdrawal = {
        ...request,
        status: "FAILED",
        reason: "NOT_RECORDED",
        unlessClaimed: true,
      };
      const reply = await run("settle", request.couponId, [
        "",
        new Date().toISOString(),
        requestStatusChannel(""),
        JSON.stringify([withdrawal]),
      ]);
      return Number(reply) === 1;
    },

    /**
     * Marks requests as held by a consumer, so the gateway can no longer withdraw them; returns the
     * ones it had withdrawn already (their callers were told they were not counted).
     */
    async claim(couponId: string, requestIds: string[]): Promise<Set<string>> {
      if (requestIds.length === 0) return new Set();
      const reply = (await run("claim", couponId, [JSON.stringify(requestIds)])) as string[];
      return new Set(reply.map(String));
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
      ]);
      await transport.evalScript(
        (await scripts)["track-loaded"],
        [LOADED_COUPONS_KEY],
        [coupon.couponId],
      );
      return Number(written) === 1;
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
      const reply = await run("read-request", couponId, [requestId]);
      return typeof reply === "string" && reply !== ""
        ? (JSON.parse(reply) as RequestRecord)
        : null;
    },

    async pendingBefore(
      couponId: string,
      cutoffMs: number,
      limit: number,
    ): Promise<PendingRequest[]> {
      const reply = (await run("pending-before", couponId, [
        String(cutoffMs),
        String(limit),
      ])) as string[];
      const out: PendingRequest[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) {
        out.push({ record: JSON.parse(String(reply[i])), admittedAtMs: Number(reply[i + 1]) });
      }
      return out;
    },
  };
}

export type AdmissionStore = ReturnType<typeof createAdmissionStore>;
