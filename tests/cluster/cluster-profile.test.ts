import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "#consumer/redis/redis-client.ts";
import { TOPICS } from "#shared/defaults.ts";
import { DEFAULT_REDIS_KEYS } from "#shared/redis/keys.ts";
import { kafkaAdminClient } from "#stack/kafka/kafka-probe.ts";
import { ensureProxyRedisUser, proxyRedisUser } from "#stack/redis-proxy-user.ts";
import { dropUnderFault, expectIssuanceWorks, FAST_RECONCILER } from "../faults/fault-harness.ts";
import { measureAdmissionCeiling } from "../support/admission-ceiling.ts";
import {
  type ClusterProfile,
  onRedisNode,
  partitionOfCoupon,
  startClusterProfile,
} from "../support/cluster-profile.ts";
import { createCoupon, startDrop } from "../support/coupon-drop.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { expectInvariantsHold } from "../support/invariants.ts";
import { expectRaceIssuesExactly, expectSubscriptionSeesIssued } from "../support/issuance-race.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { mapWithConcurrency, waitUntil } from "../support/wait.ts";

const log = (line: string) => console.log(`[cluster] ${line}`);
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

/**
 * What each primary served since its stats were reset: admissions (the ZADD admit.lua makes of each
 * accepted press: commands a script calls count in INFO commandstats too) and script calls in all
 * (EVALSHA and EVAL: admissions, claims, settles, the reconciler's reads).
 */
async function workPerPrimary(profile: ClusterProfile) {
  const primaries = (await profile.redis.topology()).filter((n) => n.role === "primary");
  const work = new Map<string, { admissions: number; scripts: number }>();
  for (const primary of primaries) {
    const stats = await onRedisNode(profile.redis.urlOf(primary.port), (node) =>
      node.info("commandstats"),
    );
    const calls = (command: string) =>
      Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(stats)?.[1] ?? 0);
    work.set(`${primary.host}:${primary.port}`, {
      admissions: calls("zadd"),
      scripts: calls("evalsha") + calls("eval"),
    });
  }
  return work;
}

async function resetCommandStats(profile: ClusterProfile): Promise<void> {
  await Promise.all(
    profile.redis.ports.map((port) =>
      onRedisNode(profile.redis.urlOf(port), (node) => node.config("RESETSTAT")).catch(
        () => undefined,
      ),
    ),
  );
}

/** Each partition's end offset, and its leader. */
async function partitionEnds(brokers: string[], topic: string) {
  const admin = kafkaAdminClient(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return offsets.map((o) => ({
      partition: o.partition,
      end: Number(o.high),
      leader: metadata?.partitions.find((p) => p.partitionId === o.partition)?.leader ?? -1,
    }));
  } finally {
    await admin.disconnect();
  }
}

/** A drop over `coupons` coupons at once; presses per second over the whole of it. */
async function dropOverManyCoupons(
  system: SystemUnderTest,
  { coupons, stock, usersPerCoupon }: { coupons: number; stock: number; usersPerCoupon: number },
) {
  const gql = createGraphqlClient(system.graphqlUrl);
  const ids = await mapWithConcurrency(
    Array.from({ length: coupons }, () => stock),
    8,
    (total) => createCoupon(gql, total),
  );
  const began = performance.now();
  const drops = await Promise.all(
    ids.map(
      (couponId) =>
        startDrop(gql, { couponId, users: usersPerCoupon, twice: 0, concurrency: 1 }).done,
    ),
  );
  const seconds = (performance.now() - began) / 1000;
  const sent = drops.reduce((sum, d) => sum + d.sent, 0);
  const accepted = drops.reduce((sum, d) => sum + d.accepted, 0);
  return { ids, sent, accepted, seconds, pressesPerSecond: sent / seconds };
}

describe("the clustered profile: Redis Cluster (3 primaries, 3 replicas), three Kafka brokers", () => {
  let profile: ClusterProfile;
  let system: SystemUnderTest;
  let db: pg.Pool;

  beforeAll(async () => {
    const began = Date.now();
    profile = await startClusterProfile();
    log(`Redis Cluster and three Kafka brokers up in ${Date.now() - began} ms`);
    system = await startSystem({
      workers: 3,
      infra: {
        REDIS_URL: profile.redis.urlOf(profile.redis.ports[0] as number),
        KAFKA_BROKERS: profile.kafka.brokers.join(","),
      },
      redisClusterNodes: profile.redis.nodes,
      extraEnv: { control: FAST_RECONCILER },
    });
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 3 });
    // Ready once a press goes all the way through: the brokers create their internal topics (three
    // replicas each) on first use.
    await expectIssuanceWorks(system);
  }, 300_000);
  afterAll(async () => {
    await db?.end();
    await system?.stop();
    await profile?.stop();
  });

  it("keeps three replicas of every partition and two in sync before it acknowledges", async () => {
    const admin = kafkaAdminClient(profile.kafka.brokers).admin();
    await admin.connect();
    try {
      const [topic] = (await admin.fetchTopicMetadata({ topics: [TOPICS.issueRequests] })).topics;
      expect(topic?.partitions).toHaveLength(3);
      for (const partition of topic?.partitions ?? []) expect(partition.replicas).toHaveLength(3);
      const leaders = new Set(topic?.partitions.map((p) => p.leader));
      expect(leaders.size).toBe(3);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: TOPICS.issueRequests, configNames: ["min.insync.replicas"] }],
      });
      expect(resources[0]?.configEntries[0]?.configValue).toBe("2");
    } finally {
      await admin.disconnect();
    }
  });

  it("the race: 2,000 presses from 1,500 users for 300 coupons issue exactly 300, one per user", async () => {
    await expectRaceIssuesExactly({ gql: createGraphqlClient(system.graphqlUrl), db });
  }, 180_000);

  it("a subscription sees PENDING, then ISSUED: a script's PUBLISH reaches the proxy's subscriber on any node", async () => {
    await expectSubscriptionSeesIssued({ gql: createGraphqlClient(system.graphqlUrl), system });
  });

  // The Redis pipeline on the cluster: every key admit.lua, enqueue.lua and acknowledge.lua touch
  // (the stream among them) carries the coupon's hash tag, and the stream workers read each
  // coupon's stream by itself, so no call spans two slots.
  it("on REDIS_STREAM, the race issues exactly 300 with no call across slots: the stream is in the coupon's slot", async () => {
    const keys = DEFAULT_REDIS_KEYS.coupon("4242");
    const slots = await onRedisNode(profile.redis.urlOf(profile.redis.ports[0] as number), (node) =>
      Promise.all(DEFAULT_REDIS_KEYS.couponList("4242").map((key) => node.cluster("KEYSLOT", key))),
    );
    expect(new Set(slots).size).toBe(1);
    expect(DEFAULT_REDIS_KEYS.couponList("4242")).toContain(keys.stream);
    await expectRaceIssuesExactly({
      gql: createGraphqlClient(system.graphqlUrl),
      db,
      pipeline: "REDIS_STREAM",
    });
    expect(system.lines.join("\n")).not.toMatch(/CROSSSLOT/);
  }, 180_000);

  it("on REDIS_STREAM, a subscription sees PENDING, then ISSUED", async () => {
    await expectSubscriptionSeesIssued({
      gql: createGraphqlClient(system.graphqlUrl),
      system,
      pipeline: "REDIS_STREAM",
      userId: "78",
    });
  });

  it("on REDIS_STREAM, a poison entry reaches the dead-letter stream (a slot of its own) and is recorded", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 3, "REDIS_STREAM");
    // A press first: the coupon is loaded, and the stream workers read its stream.
    const drop = await startDrop(gql, { couponId, users: 1, twice: 0 }).done;
    expect(drop.accepted).toBe(1);
    const poison = `{"requestId": "not json ${crypto.randomUUID()}`;
    // The workers' client (no offline queue): written once it knows the cluster's slots.
    const redis = createRedisClient(system.redis);
    try {
      if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
      await redis.xadd(DEFAULT_REDIS_KEYS.coupon(couponId).stream, "*", "event", poison);
    } finally {
      redis.disconnect();
    }
    const recorded = async () =>
      (await db.query("SELECT topic, error_class FROM dead_letter WHERE payload = $1", [poison]))
        .rows;
    await waitUntil(async () => (await recorded()).length === 1, {
      timeoutMs: 60_000,
      what: "the poison entry recorded as a dead letter",
    });
    expect((await recorded())[0]?.topic).toBe(DEFAULT_REDIS_KEYS.streamDeadLetters);
    await waitUntil(
      async () =>
        (
          await db.query("SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = $1", [
            couponId,
          ])
        ).rows[0].n === 1,
      { timeoutMs: 30_000, what: "the good press issued beside it" },
    );
    expect(system.lines.join("\n")).not.toMatch(/CROSSSLOT/);
  }, 120_000);

  it("spreads a drop over many coupons across the Redis primaries and the brokers", async () => {
    const coupons = 90;
    const stock = 10;
    await resetCommandStats(profile);
    const before = await partitionEnds(profile.kafka.brokers, TOPICS.issueRequests);
    const drop = await dropOverManyCoupons(system, { coupons, stock, usersPerCoupon: 15 });
    expect(drop.accepted).toBe(coupons * stock);
    await waitUntil(
      async () =>
        (
          await db.query(
            "SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = ANY($1::bigint[])",
            [drop.ids],
          )
        ).rows[0].n ===
        coupons * stock,
      { timeoutMs: 60_000, what: "every accepted press of the drop to have its row" },
    );

    const work = await workPerPrimary(profile);
    const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
    const admissions = sum([...work.values()].map((w) => w.admissions));
    const scripts = sum([...work.values()].map((w) => w.scripts));
    log(
      `admissions per Redis primary: ${[...work]
        .map(([node, w]) => `${node}=${w.admissions} (${share(w.admissions, admissions)})`)
        .join(" ")}; script calls: ${[...work]
        .map(([node, w]) => `${node}=${w.scripts} (${share(w.scripts, scripts)})`)
        .join(" ")}`,
    );
    const after = await partitionEnds(profile.kafka.brokers, TOPICS.issueRequests);
    const perBroker = new Map<number, number>();
    for (const { partition, end, leader } of after) {
      const start = before.find((p) => p.partition === partition)?.end ?? 0;
      perBroker.set(leader, (perBroker.get(leader) ?? 0) + end - start);
    }
    const allRecords = [...perBroker.values()].reduce((a, b) => a + b, 0);
    log(
      `records per broker (partition leader): ${[...perBroker]
        .map(([broker, n]) => `broker ${broker}=${n} (${share(n, allRecords)})`)
        .join(" ")}`,
    );
    log(
      `cluster profile: ${coupons} coupons of ${stock}, ${drop.sent} presses in ` +
        `${drop.seconds.toFixed(1)} s = ${drop.pressesPerSecond.toFixed(0)} presses/s`,
    );
    // Near an even share each: the coupons' hash tags and keys spread them over slots and partitions.
    expect(work.size).toBe(3);
    expect(admissions).toBe(coupons * stock);
    for (const w of work.values()) expect(w.admissions / admissions).toBeGreaterThan(1 / 6);
    // At least one record per admission: a request pending past RECONCILE_AFTER_MS (a slow worker
    // on a busy machine) is produced again by the reconciler, harmlessly.
    expect(allRecords).toBeGreaterThanOrEqual(coupons * stock);
    expect(perBroker.size).toBe(3);
    for (const n of perBroker.values()) expect(n / allRecords).toBeGreaterThan(1 / 6);

    // The same drop on the single profile (one Redis, one broker: the suite's shared ones).
    const single = await startSystem({ workers: 3, names: uniqueSystemNames() });
    try {
      const singleDrop = await dropOverManyCoupons(single, { coupons, stock, usersPerCoupon: 15 });
      expect(singleDrop.accepted).toBe(coupons * stock);
      log(
        `single profile: ${coupons} coupons of ${stock}, ${singleDrop.sent} presses in ` +
          `${singleDrop.seconds.toFixed(1)} s = ${singleDrop.pressesPerSecond.toFixed(0)} presses/s`,
      );
    } finally {
      await single.stop();
    }
  }, 300_000);

  it("one coupon's ceiling: its admissions live in one slot on one primary, its records in one partition", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 1500);
    const began = performance.now();
    const drop = await startDrop(gql, { couponId, users: 1500, twice: 0, concurrency: 64 }).done;
    const seconds = (performance.now() - began) / 1000;
    expect(drop.accepted).toBe(1500);
    const slot = await onRedisNode(profile.redis.urlOf(profile.redis.ports[0] as number), (node) =>
      node.cluster("KEYSLOT", DEFAULT_REDIS_KEYS.coupon(couponId).meta),
    );
    const primary = await profile.redis.primaryOf(Number(slot));
    const { partition, leader } = await partitionOfCoupon(
      profile.kafka.brokers,
      TOPICS.issueRequests,
      couponId,
    );
    log(
      `one coupon: ${drop.sent} presses, all admitted, in ${seconds.toFixed(1)} s = ` +
        `${(drop.sent / seconds).toFixed(0)} admissions/s (64 in flight), in slot ${slot} on ` +
        `primary ${primary.host}:${primary.port} and partition ${partition} led by broker ${leader}`,
    );
    // Its slot's ceiling, whatever sits in front: the admission script alone on that one primary.
    const ceilingCoupon = `ceiling-${Date.now()}`;
    const ceilingSlot = await onRedisNode(
      profile.redis.urlOf(profile.redis.ports[0] as number),
      (node) => node.cluster("KEYSLOT", DEFAULT_REDIS_KEYS.coupon(ceilingCoupon).meta),
    );
    const owner = await profile.redis.primaryOf(Number(ceilingSlot));
    const ceiling = await measureAdmissionCeiling(profile.redis.urlOf(owner.port), {
      couponId: ceilingCoupon,
      requests: 50_000,
    });
    expect(ceiling).not.toBeNull();
    log(
      `one coupon's slot ceiling (redis-benchmark, admit.lua on primary ${owner.host}:${owner.port}): ` +
        `${ceiling?.evalshaPerSecond.toFixed(0)} admissions/s, ` +
        `${ceiling?.pipelinedPerSecond.toFixed(0)}/s pipelined 16 deep`,
    );
  }, 180_000);

  it("survives kill -9 of the broker leading the drop's partition", async () => {
    let killed = -1;
    const { report } = await dropUnderFault({
      scenario: "cluster: partition leader broker kill -9",
      system,
      fault: async (couponId) => {
        const { partition, leader } = await partitionOfCoupon(
          profile.kafka.brokers,
          TOPICS.issueRequests,
          couponId,
        );
        killed = leader;
        const killedAt = Date.now();
        await profile.kafka.kill(leader);
        const survivors = profile.kafka.brokers.filter((b) => profile.kafka.nodeIdOf(b) !== leader);
        await waitUntil(
          async () => {
            const now = await partitionOfCoupon(survivors, TOPICS.issueRequests, couponId).catch(
              () => ({ leader: -1 }),
            );
            return now.leader >= 0 && now.leader !== leader;
          },
          { timeoutMs: 60_000, intervalMs: 100, what: "a new leader for the partition" },
        );
        log(
          `broker ${leader} (leader of partition ${partition}) killed; a new leader in ` +
            `${Date.now() - killedAt} ms`,
        );
        return killedAt;
      },
    });
    expectInvariantsHold(report);
    expect(report.rowsNobodyWasToldOf).toBe(0);
    expect(report.issued).toBe(report.rows);
    await profile.kafka.restart(killed);
    await expectIssuanceWorks(system);
  }, 300_000);

  it("survives kill -9 of the Redis primary holding the drop's coupon: its replica takes over", async () => {
    let killedPort = -1;
    const { report } = await dropUnderFault({
      scenario: "cluster: Redis primary kill -9",
      system,
      fault: async (couponId) => {
        const slot = Number(
          await onRedisNode(profile.redis.urlOf(profile.redis.ports[0] as number), (node) =>
            node.cluster("KEYSLOT", DEFAULT_REDIS_KEYS.coupon(couponId).meta),
          ),
        );
        const primary = await profile.redis.primaryOf(slot);
        killedPort = primary.port;
        const killedAt = Date.now();
        await profile.redis.kill(primary.port);
        await waitUntil(
          async () => {
            const now = await profile.redis.primaryOf(slot).catch(() => null);
            return now !== null && now.port !== primary.port;
          },
          { timeoutMs: 60_000, intervalMs: 100, what: "a replica to take over the coupon's slot" },
        );
        const promoted = await profile.redis.primaryOf(slot);
        log(
          `Redis primary ${primary.host}:${primary.port} (slot ${slot}) killed; its replica ` +
            `${promoted.host}:${promoted.port} took over in ${Date.now() - killedAt} ms`,
        );
        return killedAt;
      },
    });
    expectInvariantsHold(report);
    expect(report.rowsNobodyWasToldOf).toBe(0);
    expect(report.issued).toBe(report.rows);
    // Back as a replica of the node that took over, with the proxy's user (ACLs are per node).
    await profile.redis.restart(killedPort);
    await ensureProxyRedisUser(system.redis.url, {
      user: proxyRedisUser(system.env.REDIS_REST_TOKEN),
      clusterNodes: profile.redis.nodes,
      log: () => undefined,
    });
    await profile.redis.waitUntilHealthy();
    await expectIssuanceWorks(system);
  }, 300_000);
});
