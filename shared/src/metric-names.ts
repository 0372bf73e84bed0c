/**
 * What every process's metrics share (Prometheus conventions: one prefix, base units): the prefix,
 * the histogram buckets, and the admission outcomes the gateway counts. The rule files in
 * ops/prometheus and the dashboard in ops/grafana name these metrics.
 */
export const METRIC_PREFIX = "coupon_drop";

export const METRIC_BUCKETS = {
  /** Answers, produces and transactions: a few milliseconds normally, seconds when a dependency is away. */
  seconds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  /** Admission to ISSUED: through Kafka, a worker's batch and PostgreSQL; the KPI is 100 ms. */
  endToEndSeconds: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  /** Events per persisting transaction, up to the chunk size (`PERSIST_CHUNK_SIZE`, 500). */
  batchSize: [1, 2, 5, 10, 25, 50, 100, 250, 500],
} as const;

/**
 * How the gateway answered a press (`coupon_drop_admissions_total{outcome}`): the GraphQL result's
 * type in snake case, or `error` when the press was answered with an error (a dependency away).
 */
export const ADMISSION_OUTCOMES = {
  IssueAccepted: "accepted",
  AlreadyRequested: "already_requested",
  SoldOut: "sold_out",
  CouponNotAvailable: "not_available",
  RateLimited: "rate_limited",
} as const;
export const ADMISSION_ERROR_OUTCOME = "error";
