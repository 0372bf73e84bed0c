import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { uniqueName } from "#test-support/unique-name.ts";
import type { IssuePipeline } from "../issue-pipeline.ts";
import { uuidV7 } from "../uuid-v7.ts";
import { createAdmissionStore } from "./admission-store.ts";
import { createIoredisScriptTransport } from "./ioredis-script-transport.ts";
import { LUA_SOURCES } from "./lua-sources.generated.ts";
import { loadScripts, type ScriptName } from "./script-transport.ts";

// Each script's header lists its replies ("-- Returns a | b | ..."). Here every documented reply is
// produced by a real run against Redis and checked, and the header must list exactly these: a reply
// that changes, or a header that drifts from the script, fails.
const redis = new Redis(inject("testEnv").REDIS_URL);
const transport = createIoredisScriptTransport(redis);
// Keys of this file's own, apart from every other test's coupons in the same Redis database.
const store = createAdmissionStore(transport, { keyPrefix: `${uniqueName("lua-replies-test")}:` });
const keys = store.keys;
afterAll(() => redis.quit());

/** The alternatives of a header's `-- Returns` section, as written. */
function documentedReplies(source: string): string[] {
  const lines = source.split("\n");
  const start = lines.findIndex((line) => line.startsWith("-- Returns "));
  if (start < 0) return [];
  const section = [lines[start]?.slice("-- Returns ".length) ?? ""];
  for (const line of lines.slice(start + 1)) {
    if (!/^-- {2,}\S/.test(line)) break;
    section.push(line.slice(2).trim());
  }
  const text = section.join(" ").replace(/^[^{|]*:\s+/, "");
  return text.split(/\s+\|\s+/).map((alternative) => alternative.trim());
}

const newCouponId = () => String(6_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
const now = () => new Date().toISOString();

async function run(name: ScriptName, couponId: string, args: string[]): Promise<unknown> {
  return transport.evalScript((await loadScripts())[name], keys.couponList(couponId), args);
}

async function loaded(
  total: number,
  window: { startsAt?: Date; endsAt?: Date } = {},
  pipeline: IssuePipeline = "KAFKA",
) {
  const couponId = newCouponId();
  await store.load({
    couponId,
    totalQuantity: total,
    issuedCount: 0,
    startsAt: window.startsAt ?? null,
    endsAt: window.endsAt ?? null,
    pipeline,
    issued: [],
  });
  return couponId;
}

async function admitted(couponId: string, userId: string, pipeline: IssuePipeline = "KAFKA") {
  const request = { requestId: uuidV7(), userId, couponId, requestedAt: now() };
  expect(await run("admit", couponId, [userId, request.requestId, couponId, now()])).toEqual([
    "ACCEPTED",
    request.requestId,
    pipeline,
  ]);
  return request;
}

const eventOf = (request: { requestId: string; userId: string; couponId: string }) =>
  JSON.stringify({ ...request, requestedAt: now(), source: "API", schemaVersion: 1 });

type Cases = Record<string, () => Promise<void>>;

const CASES: Record<ScriptName, Cases> = {
  admit: {
    '{"ACCEPTED", requestId, pipeline} (KAFKA: produce it; REDIS_STREAM: already enqueued)':
      async () => {
        const kafka = await loaded(1);
        await admitted(kafka, "1");
        expect(await redis.xlen(keys.coupon(kafka).stream)).toBe(0);
        const streamed = await loaded(1, {}, "REDIS_STREAM");
        const request = await admitted(streamed, "1", "REDIS_STREAM");
        const entries = await redis.xrange(keys.coupon(streamed).stream, "-", "+");
        expect(entries).toHaveLength(1);
        const [entryId, fields] = entries[0] ?? ["", []];
        expect(fields[0]).toBe("event");
        expect(JSON.parse(fields[1] ?? "")).toMatchObject({ ...request, source: "API" });
        const record = JSON.parse(
          (await redis.hget(keys.coupon(streamed).requests, request.requestId)) ?? "",
        );
        expect(record.entryId).toBe(entryId);
      },
    '{"ALREADY", requestId, status or ""}': async () => {
      const couponId = await loaded(5);
      const first = await admitted(couponId, "1");
      expect(await run("admit", couponId, ["1", uuidV7(), couponId, now()])).toEqual([
        "ALREADY",
        first.requestId,
        "PENDING",
      ]);
      // A user loaded from PostgreSQL has a slot but no record in Redis.
      const fromDb = uuidV7();
      const other = newCouponId();
      await run("load-coupon", other, ["users", "2", fromDb]);
      await run("load-coupon", other, ["meta", other, "5", "1", "", ""]);
      expect(await run("admit", other, ["2", uuidV7(), other, now()])).toEqual([
        "ALREADY",
        fromDb,
        "",
      ]);
    },
    '{"SOLD_OUT"}': async () => {
      const couponId = await loaded(1);
      await admitted(couponId, "1");
      expect(await run("admit", couponId, ["2", uuidV7(), couponId, now()])).toEqual(["SOLD_OUT"]);
    },
    '{"NOT_LOADED"}': async () => {
      const couponId = newCouponId();
      expect(await run("admit", couponId, ["1", uuidV7(), couponId, now()])).toEqual([
        "NOT_LOADED",
      ]);
    },
    '{"NOT_STARTED"}': async () => {
      const couponId = await loaded(1, { startsAt: new Date(Date.now() + 60_000) });
      expect(await run("admit", couponId, ["1", uuidV7(), couponId, now()])).toEqual([
        "NOT_STARTED",
      ]);
    },
    '{"ENDED"}': async () => {
      const couponId = await loaded(1, { endsAt: new Date(Date.now() - 60_000) });
      expect(await run("admit", couponId, ["1", uuidV7(), couponId, now()])).toEqual(["ENDED"]);
    },
    '{"RATE_LIMITED", retryAfterMs}': async () => {
      const couponId = await loaded(5);
      // One client address's bucket of one press, refilled once a second, for two users.
      const bucket = keys.pressBucket(couponId, { kind: "address", id: "192.0.2.1" });
      const press = async (userId: string) =>
        transport.evalScript(
          (await loadScripts()).admit,
          [...keys.couponList(couponId), bucket],
          [userId, uuidV7(), couponId, now(), "", "1", "1"],
        );
      expect(await press("1")).toEqual(["ACCEPTED", expect.any(String), "KAFKA"]);
      const reply = (await press("2")) as [string, number];
      expect(reply[0]).toBe("RATE_LIMITED");
      expect(reply[1]).toBeGreaterThan(0);
      expect(reply[1]).toBeLessThanOrEqual(1000);
    },
  },
  claim: {
    "{requestId, ...} (the withdrawn ones)": async () => {
      const couponId = await loaded(5);
      const withdrawn = await admitted(couponId, "1");
      const kept = await admitted(couponId, "2");
      expect(await store.withdraw(withdrawn)).toBe(true);
      const ids = [withdrawn.requestId, kept.requestId, uuidV7()];
      expect(await run("claim", couponId, [JSON.stringify(ids)])).toEqual([withdrawn.requestId]);
    },
    "{} (none withdrawn)": async () => {
      const couponId = await loaded(5);
      const request = await admitted(couponId, "1");
      expect(await run("claim", couponId, [JSON.stringify([request.requestId])])).toEqual([]);
    },
  },
  acknowledge: {
    "n (the entries acknowledged; one acknowledged before counts 0)": async () => {
      const couponId = await loaded(5, {}, "REDIS_STREAM");
      const stream = keys.coupon(couponId).stream;
      await redis.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
      await admitted(couponId, "1", "REDIS_STREAM");
      await admitted(couponId, "2", "REDIS_STREAM");
      const read = (await redis.xreadgroup("GROUP", "g", "c", "STREAMS", stream, ">")) as Array<
        [string, Array<[string, string[]]>]
      >;
      const ids = (read[0]?.[1] ?? []).map(([id]) => id);
      expect(ids).toHaveLength(2);
      expect(await run("acknowledge", couponId, ["g", ...ids])).toBe(2);
      expect(await redis.xlen(stream)).toBe(0);
      expect(await run("acknowledge", couponId, ["g", ...ids])).toBe(0);
    },
  },
  enqueue: {
    "1 (appended)": async () => {
      const couponId = await loaded(5, {}, "REDIS_STREAM");
      const request = await admitted(couponId, "1", "REDIS_STREAM");
      // Its first entry gone (say, trimmed by hand): the reconciler's append goes through.
      await redis.del(keys.coupon(couponId).stream);
      expect(await run("enqueue", couponId, [request.requestId, eventOf(request), "pending"])).toBe(
        1,
      );
      // A replay is appended whatever Redis holds.
      expect(await run("enqueue", couponId, [uuidV7(), eventOf(request), "replay"])).toBe(1);
      expect(await redis.xlen(keys.coupon(couponId).stream)).toBe(2);
    },
    "0 (not appended: no longer pending, or its entry still waits)": async () => {
      const couponId = await loaded(5, {}, "REDIS_STREAM");
      const waiting = await admitted(couponId, "1", "REDIS_STREAM");
      expect(await run("enqueue", couponId, [waiting.requestId, eventOf(waiting), "pending"])).toBe(
        0,
      );
      const decided = await admitted(couponId, "2", "REDIS_STREAM");
      await store.settle(
        couponId,
        [{ request: decided, outcome: { kind: "issued", issuedAt: new Date() } }],
        1,
      );
      await redis.del(keys.coupon(couponId).stream);
      expect(await run("enqueue", couponId, [decided.requestId, eventOf(decided), "pending"])).toBe(
        0,
      );
      expect(await redis.xlen(keys.coupon(couponId).stream)).toBe(0);
    },
  },
  "load-coupon": {
    "1 (the chunk or meta was written)": async () => {
      const couponId = newCouponId();
      expect(await run("load-coupon", couponId, ["users", "1", uuidV7()])).toBe(1);
      expect(await run("load-coupon", couponId, ["meta", couponId, "5", "1", "", ""])).toBe(1);
    },
    "0 (the coupon was already loaded; meta still raises issued)": async () => {
      const couponId = await loaded(5);
      expect(await run("load-coupon", couponId, ["users", "1", uuidV7()])).toBe(0);
      expect(await run("load-coupon", couponId, ["meta", couponId, "5", "2", "", ""])).toBe(0);
      expect(await redis.hget(keys.coupon(couponId).meta, "issued")).toBe("2");
      expect(await redis.hexists(keys.coupon(couponId).users, "1")).toBe(0);
    },
  },
  "pending-before": {
    '{record JSON, admittedAt ms, ...} ({"requestId": id} as the record when it is gone)':
      async () => {
        const couponId = await loaded(5);
        const first = await admitted(couponId, "1");
        const gone = await admitted(couponId, "2");
        await redis.hdel(keys.coupon(couponId).requests, gone.requestId);
        const reply = (await run("pending-before", couponId, [
          String(Date.now() + 60_000),
          "10",
        ])) as string[];
        expect(reply).toHaveLength(4);
        // Oldest first (admitted in the same millisecond, Redis orders them by id).
        const [ms1, ms2] = [Number(reply[1]), Number(reply[3])];
        expect(Math.abs(ms1 - Date.now())).toBeLessThan(60_000);
        expect(ms2).toBeGreaterThanOrEqual(ms1);
        const records = [reply[0], reply[2]].map((json) => JSON.parse(json ?? ""));
        const byId = new Map(records.map((r: { requestId: string }) => [r.requestId, r]));
        expect(byId.get(first.requestId)).toMatchObject({ ...first, status: "PENDING" });
        expect(byId.get(gone.requestId)).toEqual({ requestId: gone.requestId });
      },
    "{} (nothing pending before the cut-off)": async () => {
      const couponId = await loaded(5);
      await admitted(couponId, "1");
      expect(await run("pending-before", couponId, [String(Date.now() - 60_000), "10"])).toEqual(
        [],
      );
    },
  },
  "read-coupon": {
    "{total, issued, pending count, remaining} (remaining never below 0)": async () => {
      const couponId = await loaded(2);
      await admitted(couponId, "1");
      expect(await run("read-coupon", couponId, [])).toEqual([2, 0, 1, 1]);
      // PostgreSQL's count overtakes Redis's pending requests: 2 - 2 - 1 is shown as 0.
      await run("load-coupon", couponId, ["meta", couponId, "2", "2", "", ""]);
      expect(await run("read-coupon", couponId, [])).toEqual([2, 2, 1, 0]);
    },
    "{} (not loaded)": async () => {
      expect(await run("read-coupon", newCouponId(), [])).toEqual([]);
    },
  },
  "read-request": {
    "record JSON": async () => {
      const couponId = await loaded(1);
      const request = await admitted(couponId, "1");
      const reply = await run("read-request", couponId, [request.requestId]);
      expect(typeof reply).toBe("string");
      expect(JSON.parse(String(reply))).toMatchObject({ ...request, status: "PENDING" });
    },
    "nil (no such request)": async () => {
      expect(await run("read-request", await loaded(1), [uuidV7()])).toBeNull();
    },
  },
  settle: {
    "n (the number of records changed)": async () => {
      const couponId = await loaded(5);
      const a = await admitted(couponId, "1");
      const b = await admitted(couponId, "2");
      const outcomes = [a, b].map((r) => ({ ...r, status: "FAILED", reason: "SOLD_OUT" }));
      const args = ["", now(), "test-channel:", JSON.stringify(outcomes)];
      expect(await run("settle", couponId, args)).toBe(2);
    },
    "0 (every outcome already recorded, or the withdrawal refused)": async () => {
      const couponId = await loaded(5);
      const decided = await admitted(couponId, "1");
      const outcome = JSON.stringify([{ ...decided, status: "ISSUED" }]);
      expect(await run("settle", couponId, ["1", now(), "test-channel:", outcome])).toBe(1);
      expect(await run("settle", couponId, ["1", now(), "test-channel:", outcome])).toBe(0);
      const claimed = await admitted(couponId, "2");
      await run("claim", couponId, [JSON.stringify([claimed.requestId])]);
      const withdrawal = JSON.stringify([
        { ...claimed, status: "FAILED", reason: "NOT_RECORDED", unlessClaimed: true },
      ]);
      expect(await run("settle", couponId, ["", now(), "test-channel:", withdrawal])).toBe(0);
    },
  },
  // Its keys are rate-limit buckets, not a coupon's.
  "take-tokens": {
    "0 (every token taken)": async () => {
      const bucket = keys.lookupBucket({ kind: "user", id: newCouponId() });
      const script = (await loadScripts())["take-tokens"];
      expect(await transport.evalScript(script, [bucket], ["2", "1"])).toBe(0);
    },
    "retryAfterMs (a bucket is empty: nothing taken)": async () => {
      const bucket = keys.lookupBucket({ kind: "user", id: newCouponId() });
      const script = (await loadScripts())["take-tokens"];
      expect(await transport.evalScript(script, [bucket], ["1", "2"])).toBe(0);
      const wait = await transport.evalScript(script, [bucket], ["1", "2"]);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500);
    },
  },
  // Its key is the set of loaded coupons, not a coupon's.
  "track-loaded": {
    "1 (newly tracked)": async () => {
      const couponId = newCouponId();
      const script = (await loadScripts())["track-loaded"];
      expect(await transport.evalScript(script, [keys.loadedCoupons], [couponId])).toBe(1);
      await redis.srem(keys.loadedCoupons, couponId);
    },
    "0 (already tracked)": async () => {
      const couponId = await loaded(1); // loading tracks it
      const script = (await loadScripts())["track-loaded"];
      expect(await transport.evalScript(script, [keys.loadedCoupons], [couponId])).toBe(0);
    },
  },
};

describe("Lua scripts answer as their headers document", () => {
  it("every script has a case for each reply its header lists, and no other", () => {
    for (const name of Object.keys(LUA_SOURCES) as ScriptName[])
      expect(documentedReplies(LUA_SOURCES[name]), `${name}.lua`).toEqual(Object.keys(CASES[name]));
  });

  for (const [name, cases] of Object.entries(CASES))
    for (const [reply, produce] of Object.entries(cases)) it(`${name}.lua: ${reply}`, produce);
});
