import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { DEFAULT_REDIS_KEYS } from "#shared/redis/keys.ts";
import { LUA_SOURCES } from "#shared/redis/lua-sources.generated.ts";

export interface AdmissionCeiling {
  /** Admissions a second, one EVALSHA at a time per connection (50 connections). */
  evalshaPerSecond: number;
  /** The same, 16 pipelined per connection. */
  pipelinedPerSecond: number;
}

/**
 * The most one coupon can be admitted at, whatever sits in front of Redis: `redis-benchmark`
 * running the real admission script by SHA against the Redis at `url` (on a cluster: the primary
 * owning the coupon's slot, which this coupon's keys hash to), a new user and request each call,
 * unpipelined and 16 deep. A coupon of its own, with stock enough never to sell out, removed
 * after. Null when redis-benchmark is not installed.
 */
export async function measureAdmissionCeiling(
  url: string,
  { requests = 200_000, couponId = `ceiling-${process.pid}-${Date.now()}` } = {},
): Promise<AdmissionCeiling | null> {
  const { hostname, port } = new URL(url);
  const redis = new Redis(url);
  const keys = DEFAULT_REDIS_KEYS.couponList(couponId);
  try {
    const sha = (await redis.script("LOAD", LUA_SOURCES.admit)) as string;
    await redis.hset(keys[0] as string, {
      total: 1_000_000_000,
      issued: 0,
      startsAt: "",
      endsAt: "",
    });
    const bench = (pipeline: number) =>
      new Promise<number>((resolve) => {
        const args = [
          ...["-h", hostname, "-p", port || "6379"],
          ...["-n", String(requests), "-c", "50", "-r", "100000000", "-P", String(pipeline), "-q"],
          "EVALSHA",
          sha,
          String(keys.length),
          ...keys,
          "__rand_int__",
          "req-__rand_int__",
          couponId,
          new Date().toISOString(),
        ];
        const child = spawn("redis-benchmark", args, { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.once("error", () => resolve(Number.NaN));
        child.once("exit", () => {
          // -q prints "EVALSHA ...: 48000.00 requests per second" after carriage-return updates.
          const match = /([\d.]+) requests per second/.exec(out.split("\r").at(-1) ?? out);
          resolve(match ? Number(match[1]) : Number.NaN);
        });
      });
    const evalshaPerSecond = await bench(1);
    const pipelinedPerSecond = await bench(16);
    if (Number.isNaN(evalshaPerSecond)) return null;
    return { evalshaPerSecond, pipelinedPerSecond };
  } finally {
    await redis.del(...keys);
    redis.disconnect();
  }
}
