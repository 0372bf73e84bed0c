import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import type { ScriptTransport } from "#shared/redis/script-transport.ts";
import { onRedisNode, startTestRedisCluster } from "#test-support/cluster-profile.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";
import { createRedisRestProxy, type RedisRestProxy } from "./server.ts";

// The proxy in front of a Redis Cluster, as the gateway uses it: admission scripts for coupons on
// every primary, several in one /pipeline, after the primaries lost their script caches too.
const TOKEN = `test-token-${crypto.randomUUID()}`;
let cluster: Awaited<ReturnType<typeof startTestRedisCluster>>;
let proxy: RedisRestProxy;

beforeAll(async () => {
  cluster = await startTestRedisCluster({ redisRestToken: TOKEN });
  proxy = createRedisRestProxy({
    redisUrl: cluster.proxyUserUrl,
    redisClusterNodes: cluster.nodes,
    token: TOKEN,
  });
  await proxy.listen(0);
  await waitUntil(() => proxy.redis.status === "ready", { what: "the proxy's cluster client" });
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
});

/** Coupon ids whose slots fall on each primary, one per primary. */
async function couponOnEveryPrimary(prefix: string): Promise<string[]> {
  const primaries = (await cluster.topology()).filter((n) => n.role === "primary");
  const store = createAdmissionStore({ evalScript: async () => null }, { keyPrefix: prefix });
  const byPrimary = new Map<number, string>();
  for (let id = 1; byPrimary.size < primaries.length; id++) {
    const slot = Number(
      await onRedisNode(cluster.urlOf(cluster.ports[0] as number), (node) =>
        node.cluster("KEYSLOT", store.keys.coupon(String(id)).meta),
      ),
    );
    const owner = primaries.find((p) => p.slots.some(([a, b]) => slot >= a && slot <= b));
    if (owner && !byPrimary.has(owner.port)) byPrimary.set(owner.port, String(id));
  }
  return [...byPrimary.values()];
}

describe("the Redis REST proxy in front of a Redis Cluster", () => {
  it("has its ACL user on every node, replicas included, with no admin rights", async () => {
    expect(cluster.ports).toHaveLength(6);
    for (const port of cluster.ports) {
      const url = new URL(cluster.proxyUserUrl);
      url.port = String(port);
      const node = new IORedis(url.toString(), { maxRetriesPerRequest: 0 });
      node.on("error", () => undefined);
      try {
        expect(await node.ping()).toBe("PONG");
        await expect(node.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
      } finally {
        node.disconnect();
      }
    }
  });

  it("admits on every primary, several coupons in one pipeline, and again after the script caches are flushed", async () => {
    const prefix = `${uniqueName("cluster")}:`;
    const client = new Redis({ url: proxy.url, token: TOKEN, automaticDeserialization: false });
    // As the gateway runs them: EVALSHA, EVAL when Redis answers NOSCRIPT. Concurrent calls go out
    // as one /pipeline (the client pipelines automatically), across the cluster's slots.
    const transport: ScriptTransport = {
      async evalScript(script, keys, args) {
        try {
          return await client.evalsha(script.sha1, keys, args);
        } catch (error) {
          if (!/noscript/i.test(String(error))) throw error;
          return client.eval(script.source, keys, args);
        }
      },
    };
    const store = createAdmissionStore(transport, { keyPrefix: prefix });
    const coupons = await couponOnEveryPrimary(prefix);
    expect(coupons).toHaveLength(3);
    const admitAll = (userId: string) =>
      Promise.all(
        coupons.map((couponId) =>
          store.admit({
            couponId,
            userId,
            requestId: crypto.randomUUID(),
            requestedAt: new Date().toISOString(),
          }),
        ),
      );
    await Promise.all(
      coupons.map((couponId) =>
        store.load({
          couponId,
          totalQuantity: 5,
          issuedCount: 0,
          startsAt: null,
          endsAt: null,
          issued: [],
        }),
      ),
    );
    expect((await admitAll("1")).map((r) => r.kind)).toEqual(["accepted", "accepted", "accepted"]);

    // A primary that lost its scripts (a flushed cache, a promoted replica) runs them from source.
    for (const primary of (await cluster.topology()).filter((n) => n.role === "primary"))
      await onRedisNode(cluster.urlOf(primary.port), (node) => node.script("FLUSH"));
    expect((await admitAll("2")).map((r) => r.kind)).toEqual(["accepted", "accepted", "accepted"]);

    // The request index in the admission's own step, as the gateway tries it first: a cluster
    // refuses it with CROSSSLOT before any of the script runs (the index key lives in the
    // request's slot), the answer the gateway takes as its cue to write the index apart
    // (issue-coupon.ts). Request ids whose index is in another slot than their coupon.
    const slotOf = (key: string) =>
      onRedisNode(cluster.urlOf(cluster.ports[0] as number), (node) =>
        node.cluster("KEYSLOT", key),
      );
    for (const couponId of coupons) {
      let requestId = crypto.randomUUID();
      while (
        (await slotOf(store.keys.requestIndex(requestId))) ===
        (await slotOf(store.keys.coupon(couponId).meta))
      )
        requestId = crypto.randomUUID();
      const refused = await store
        .admit({
          couponId,
          userId: "3",
          requestId,
          requestedAt: new Date().toISOString(),
          indexTtlSeconds: 60,
        })
        .catch((error: unknown) => error);
      expect(String(refused)).toMatch(/\bCROSSSLOT\b/);
    }
    for (const couponId of coupons)
      expect(await store.readCoupon(couponId)).toEqual({
        total: 5,
        issued: 0,
        pending: 2,
        remaining: 3,
      });
  });
});
