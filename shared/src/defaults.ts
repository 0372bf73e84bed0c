/**
 * The pinned configuration defaults (see DESIGN.md): what a local run uses when a variable is unset.
 * Every process's config module starts from these; nothing else hard-codes an address.
 */
export const LOCAL_DEFAULTS = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/coupon",
  REDIS_URL: "redis://127.0.0.1:6379",
  KAFKA_BROKERS: "127.0.0.1:9092",
  PORT: "4000",
  REDIS_REST_URL: "http://127.0.0.1:8079",
  REDIS_REST_TOKEN: "dev-redis-token",
  KAFKA_REST_URL: "http://127.0.0.1:8082",
  KAFKA_REST_USERNAME: "dev",
  KAFKA_REST_PASSWORD: "dev-kafka-password",
  INTERNAL_API_URL: "http://127.0.0.1:4001",
  INTERNAL_API_TOKEN: "dev-internal-token",
} as const;

/** Kafka names pinned by DESIGN.md. */
export const TOPICS = {
  issueRequests: "coupon-issue-requests",
  issueRequestsDlt: "coupon-issue-requests.DLT",
} as const;
export const ISSUE_REQUEST_PARTITIONS = 3;
export const CONSUMER_GROUP = "coupon-issue-consumer-group";
export const DLT_MONITOR_GROUP = "coupon-issue-dlt-monitor";
