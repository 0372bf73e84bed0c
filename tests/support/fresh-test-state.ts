import { Redis } from "ioredis";
import pg from "pg";
import { migrate } from "#consumer/db/migrate.ts";
import { CONSUMER_GROUP, DLT_MONITOR_GROUP } from "#shared/defaults.ts";
import { kafkaAdminClient } from "#stack/kafka/kafka-probe.ts";
import { ensureDatabase } from "#stack/services/postgres-server.ts";
import { recreateTopics } from "./recreate-topics.ts";

export interface TestState {
  DATABASE_URL: string;
  REDIS_URL: string;
  KAFKA_BROKERS: string;
}

/**
 * Every run starts from nothing: a new database, empty topics with no consumer offsets, an empty
 * Redis database. Old events on the topic would otherwise name coupon ids the new database hands
 * out again, and a replay from offset 0 would see a previous run's history.
 */
export async function resetTestState({ DATABASE_URL, REDIS_URL, KAFKA_BROKERS }: TestState) {
  const name = decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1));
  if (!/test/i.test(name))
    throw new Error(`refusing to wipe database "${name}": a test database's name contains "test"`);

  const maintenance = new URL(DATABASE_URL);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL, { log: () => undefined });

  const admin = kafkaAdminClient(KAFKA_BROKERS.split(",")).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    const ours = groups.filter(
      (g) => g === CONSUMER_GROUP || g === DLT_MONITOR_GROUP || g.startsWith("replay-"),
    );
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
    await recreateTopics(admin);
  } finally {
    await admin.disconnect();
  }

  const redis = new Redis(REDIS_URL);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}
