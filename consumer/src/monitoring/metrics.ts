import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { FAILURE_REASONS } from "#shared/lifecycle/failure-reason.ts";
import { METRIC_BUCKETS, METRIC_PREFIX } from "#shared/metric-names.ts";

/**
 * The Node side's Prometheus metrics (prom-client), named by Prometheus's conventions: one prefix,
 * base units (seconds), `_total` on counters. Every metric of a process is defined here, once, so
 * the names a dashboard or a rule file uses can be read in one place (README, "Operating it").
 * Each process has a registry of its own; tests make one per case.
 */
export function createMetricsRegistry({ defaultMetrics = true } = {}): Registry {
  const registry = new Registry();
  // CPU, memory, event-loop lag and handles of the process, under the same prefix.
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: `${METRIC_PREFIX}_` });
  return registry;
}

const name = (suffix: string) => `${METRIC_PREFIX}_${suffix}`;

/** What an issue worker counts and times. */
export function createWorkerMetrics(registry: Registry = createMetricsRegistry()) {
  const registers = [registry];
  const outcomes = new Counter({
    name: name("issue_outcomes_total"),
    help: "Requests decided by PostgreSQL and settled in Redis, by status (ISSUED, FAILED) and failure reason.",
    labelNames: ["status", "reason"] as const,
    registers,
  });
  // Every series a rule or a panel names exists from the start, at 0: rate() needs the zero.
  outcomes.labels("ISSUED", "").inc(0);
  for (const reason of FAILURE_REASONS) outcomes.labels("FAILED", reason).inc(0);
  const retries = new Counter({
    name: name("retries_total"),
    help: "Chunks attempted again: transient (a dependency away) or permanent (the same failure again).",
    labelNames: ["kind"] as const,
    registers,
  });
  retries.labels("transient").inc(0);
  retries.labels("permanent").inc(0);
  const deadLetters = new Counter({
    name: name("dead_letters_total"),
    help: "Records sent to the dead-letter topic, by error class.",
    labelNames: ["error_class"] as const,
    registers,
  });
  return {
    registry,
    recordsProcessed: new Counter({
      name: name("records_processed_total"),
      help: "Records taken from the issue topic.",
      registers,
    }),
    offsetsCommitted: new Counter({
      name: name("offsets_committed_total"),
      help: "Records whose offsets were committed.",
      registers,
    }),
    outcomes,
    retries,
    deadLetters,
    persistBatchSize: new Histogram({
      name: name("persist_batch_size_records"),
      help: "Events persisted in one PostgreSQL transaction.",
      buckets: [...METRIC_BUCKETS.batchSize],
      registers,
    }),
    persistDuration: new Histogram({
      name: name("persist_duration_seconds"),
      help: "Time of one persisting transaction (claim in Redis excluded).",
      buckets: [...METRIC_BUCKETS.seconds],
      registers,
    }),
    acceptedToIssued: new Histogram({
      name: name("accepted_to_issued_seconds"),
      help: "From the gateway's admission (the event's requestedAt) to ISSUED settled in Redis.",
      buckets: [...METRIC_BUCKETS.endToEndSeconds],
      registers,
    }),
  };
}

/** What a stream worker counts: an issue worker's figures, and its streams' own. */
export function createStreamWorkerMetrics(registry: Registry = createMetricsRegistry()) {
  const registers = [registry];
  return {
    ...createWorkerMetrics(registry),
    streamEntriesAcknowledged: new Counter({
      name: name("stream_entries_acknowledged_total"),
      help: "Stream entries acknowledged (and deleted) after their outcome was committed.",
      registers,
    }),
    streamEntriesReclaimed: new Counter({
      name: name("stream_entries_reclaimed_total"),
      help: "Stream entries taken over from a worker that held them too long (XAUTOCLAIM).",
      registers,
    }),
  };
}

/** What the control process counts and watches. */
export function createControlMetrics(registry: Registry = createMetricsRegistry()) {
  const registers = [registry];
  const reconcilerActions = new Counter({
    name: name("reconciler_actions_total"),
    help: "Pending requests the reconciler acted on: reproduced, settled (from PostgreSQL's outcome) or failed (given up, with compensation).",
    labelNames: ["action"] as const,
    registers,
  });
  for (const action of ["reproduced", "settled", "failed"]) reconcilerActions.labels(action).inc(0);
  const compensations = new Counter({
    name: name("compensations_total"),
    help: "Requests failed by the control process with their stock and slot given back, by reason.",
    labelNames: ["reason"] as const,
    registers,
  });
  compensations.labels("NOT_RECORDED").inc(0);
  return {
    registry,
    reconcilerActions,
    compensations,
    deadLettersRecorded: new Counter({
      name: name("dead_letters_recorded_total"),
      help: "Dead letters recorded in PostgreSQL by the DLT monitor, by error class.",
      labelNames: ["error_class"] as const,
      registers,
    }),
    deadLettersStored: new Gauge({
      name: name("dead_letters_stored"),
      help: "Dead letters held in PostgreSQL (the dead_letter table), as of the last PostgreSQL probe.",
      registers,
    }),
    consumerLagRecords: new Gauge({
      name: name("consumer_lag_records"),
      help: "Records of the issue topic not yet committed by the persistence group, per partition.",
      labelNames: ["topic", "partition"] as const,
      registers,
    }),
    consumerLagSeconds: new Gauge({
      name: name("consumer_lag_seconds"),
      help: "Age of the oldest record not yet committed by the persistence group, per partition (0 when none).",
      labelNames: ["topic", "partition"] as const,
      registers,
    }),
    dependencyUp: new Gauge({
      name: name("dependency_up"),
      help: "1 when the last probe of a dependency (kafka, redis, postgresql) answered in time, else 0.",
      labelNames: ["dependency"] as const,
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
export type StreamWorkerMetrics = ReturnType<typeof createStreamWorkerMetrics>;
export type ControlMetrics = ReturnType<typeof createControlMetrics>;
