import {
  ADMISSION_ERROR_OUTCOME,
  ADMISSION_OUTCOMES,
  METRIC_BUCKETS,
  METRIC_PREFIX,
} from "#shared/metric-names.ts";
import { Counter, Histogram, Registry } from "./prometheus-registry.ts";

export type AdmissionResultKind = keyof typeof ADMISSION_OUTCOMES;

/**
 * What the gateway counts and times, each series bound once so that a press costs a counter's
 * addition and a histogram's observation: `coupon_drop_admissions_total{outcome}` and
 * `coupon_drop_answer_duration_seconds{outcome}` per press, `coupon_drop_produce_duration_seconds`
 * {result} per produce.
 */
export function createGatewayMetrics() {
  const registry = new Registry();
  const admissions = registry.register(
    new Counter({
      name: `${METRIC_PREFIX}_admissions_total`,
      help: "issueCoupon presses answered, by outcome (the result's type, or error).",
      labelNames: ["outcome"] as const,
    }),
  );
  const answers = registry.register(
    new Histogram({
      name: `${METRIC_PREFIX}_answer_duration_seconds`,
      help: "Time to answer an issueCoupon press (admission, produce and withdrawal included), by outcome.",
      labelNames: ["outcome"] as const,
      buckets: METRIC_BUCKETS.seconds,
    }),
  );
  const produces = registry.register(
    new Histogram({
      name: `${METRIC_PREFIX}_produce_duration_seconds`,
      help: "Time of a produce to the issue topic through the Kafka REST proxy, by result (ok, failed).",
      labelNames: ["result"] as const,
      buckets: METRIC_BUCKETS.seconds,
    }),
  );
  const fastPathPresses = registry.register(
    new Counter({
      name: `${METRIC_PREFIX}_fast_path_presses_total`,
      help: "issueCoupon presses answered by the press fast path; the others of admissions_total went through Yoga's executor.",
    }),
  );
  const bind = (outcome: string) => ({
    count: admissions.labels(outcome),
    time: answers.labels(outcome),
  });
  const byKind = Object.fromEntries(
    Object.entries(ADMISSION_OUTCOMES).map(([kind, outcome]) => [kind, bind(outcome)]),
  ) as Record<AdmissionResultKind, ReturnType<typeof bind>>;
  const failedPress = bind(ADMISSION_ERROR_OUTCOME);
  const produced = { ok: produces.labels("ok"), failed: produces.labels("failed") };

  return {
    registry,
    /**
     * `issueCoupon`, counted and timed: each press by the result's kind, or as an error when it
     * throws (the caller is answered with an error).
     */
    timePresses<Press, Result extends { kind: AdmissionResultKind }>(
      issueCoupon: (couponId: string, press: Press) => Promise<Result>,
    ): (couponId: string, press: Press) => Promise<Result> {
      return async (couponId, press) => {
        const started = performance.now();
        try {
          const result = await issueCoupon(couponId, press);
          const series = byKind[result.kind];
          series.count.inc();
          series.time.observe((performance.now() - started) / 1000);
          return result;
        } catch (error) {
          failedPress.count.inc();
          failedPress.time.observe((performance.now() - started) / 1000);
          throw error;
        }
      };
    },
    /** One press answered by the press fast path (press/use-press-fast-path.ts). */
    countFastPathPress(): void {
      fastPathPresses.inc();
    },
    /** `produce`, timed: each call's duration observed by its result. */
    timeProduce<Event>(produce: (event: Event) => Promise<void>): (event: Event) => Promise<void> {
      return async (event) => {
        const started = performance.now();
        try {
          await produce(event);
          produced.ok.observe((performance.now() - started) / 1000);
        } catch (error) {
          produced.failed.observe((performance.now() - started) / 1000);
          throw error;
        }
      };
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
