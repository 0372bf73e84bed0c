import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import type { StackEnv } from "./app-processes.ts";

/**
 * The addresses every process gets: a variable that is set wins over the local default.
 * `REDIS_CLUSTER_NODES`, when set, is passed on as it is (a Redis Cluster; see README, "Scaling out"),
 * and so is `CORS_ORIGINS` (the gateway allows the storefront's origin besides those).
 */
export function stackEnv(env: Record<string, string | undefined> = process.env): StackEnv {
  const pick = (name: Exclude<keyof StackEnv, "REDIS_CLUSTER_NODES" | "CORS_ORIGINS">) =>
    env[name] ?? LOCAL_DEFAULTS[name];
  return {
    ...(env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES } : {}),
    ...(env.CORS_ORIGINS ? { CORS_ORIGINS: env.CORS_ORIGINS } : {}),
    DATABASE_URL: pick("DATABASE_URL"),
    REDIS_URL: pick("REDIS_URL"),
    KAFKA_BROKERS: pick("KAFKA_BROKERS"),
    PORT: pick("PORT"),
    REDIS_REST_URL: pick("REDIS_REST_URL"),
    REDIS_REST_TOKEN: pick("REDIS_REST_TOKEN"),
    KAFKA_REST_URL: pick("KAFKA_REST_URL"),
    KAFKA_REST_USERNAME: pick("KAFKA_REST_USERNAME"),
    KAFKA_REST_PASSWORD: pick("KAFKA_REST_PASSWORD"),
    INTERNAL_API_URL: pick("INTERNAL_API_URL"),
    INTERNAL_API_TOKEN: pick("INTERNAL_API_TOKEN"),
    EVENT_SIGNING_KEY: pick("EVENT_SIGNING_KEY"),
    STOREFRONT_URL: pick("STOREFRONT_URL"),
  };
}
