import type { TestProject } from "vitest/node";
import { startInfrastructure } from "#stack/infrastructure.ts";
import { prefixedWriter } from "#stack/supervisor/supervisor.ts";
import { resetTestState } from "./fresh-test-state.ts";

/**
 * The tests' own infrastructure, apart from a development stack on the same machine: a Kafka broker
 * on 19092 (data under .data/), Redis database 1, PostgreSQL database coupon_test. Started by the
 * same machinery as `npm start`; only what this run started is stopped.
 */
const TEST_ENV = {
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/coupon_test",
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1",
  KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? "127.0.0.1:19092",
};

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: typeof TEST_ENV;
  }
}

export default async function setup(project: TestProject) {
  const write = prefixedWriter();
  const infrastructure = await startInfrastructure({
    databaseUrl: TEST_ENV.DATABASE_URL,
    redisUrl: TEST_ENV.REDIS_URL,
    kafkaBrokers: TEST_ENV.KAFKA_BROKERS,
    log: (service, line) => {
      if (!/ INFO /.test(line)) write(service, line);
    },
  });
  await resetTestState(TEST_ENV);
  Object.assign(process.env, TEST_ENV);
  project.provide("testEnv", TEST_ENV);
  return async () => {
    await infrastructure.stop();
  };
}
