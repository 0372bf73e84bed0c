import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#stack/paths.ts";
import { createCoupon, startDrop } from "../support/coupon-drop.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { type OwnBroker, startOwnBroker } from "../support/own-broker.ts";
import { type PrometheusUnderTest, startPrometheus } from "../support/prometheus.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { exportedMetricNames, scrapeTargets } from "../support/system-metrics.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { waitUntil } from "../support/wait.ts";

// The rule files and the dashboard against the real thing: the whole system on a broker of the
// test's own, scraped by a real Prometheus every second with ops/prometheus's rules as they are.
const RULES = "ops/prometheus/coupon-drop.rules.yml";
const DASHBOARD = join(REPO_ROOT, "ops/grafana/coupon-drop.json");

describe("the system under a real Prometheus", () => {
  let broker: OwnBroker;
  let system: SystemUnderTest;
  let prometheus: PrometheusUnderTest;

  beforeAll(async () => {
    broker = await startOwnBroker("ops-prometheus");
    system = await startSystem({
      names: uniqueSystemNames(),
      infra: { KAFKA_BROKERS: broker.brokers.join(",") },
      // Lag and probes sampled twice a scrape, so an alert's state follows within seconds.
      extraEnv: { control: { LAG_SAMPLE_INTERVAL_MS: "500", PROBE_INTERVAL_MS: "500" } },
    });
    prometheus = await startPrometheus({ jobs: scrapeTargets(system), ruleFiles: [RULES] });
    await waitUntil(
      async () => {
        const targets = await prometheus.targets();
        return targets.length === 5 && targets.every((t) => t.health === "up");
      },
      {
        what: "Prometheus to scrape the gateway, the control process and three workers",
        timeoutMs: 60_000,
      },
    );
  });
  afterAll(async () => {
    await prometheus?.stop();
    // The processes stop first; deleting the system's groups may then fail on a broker just
    // restarted (its coordinator still loading), and the broker with its data goes next anyway.
    await system?.stop().catch(() => undefined);
    await broker?.stop();
  });

  /** Waits for `alertname` to be in `state`, failing with what Prometheus saw meanwhile. */
  async function expectAlert(alertname: string, state: "firing" | "inactive", timeoutMs = 120_000) {
    let last = "";
    await waitUntil(
      async () => {
        last = await prometheus.alertState(alertname);
        return last === state;
      },
      { what: `${alertname} to be ${state} (last seen ${last})`, timeoutMs, intervalMs: 500 },
    );
  }

  const sumOf = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? NaN);

  it("names in the Grafana dashboard only metrics the processes export, in queries Prometheus runs", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const exported = await exportedMetricNames(system);
    const queries = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const named = expr.match(/\b[a-z_][a-z0-9_]*(?=\s*(?:\{|\[|\)|$| [a-z=<>!]))/g) ?? [];
      const metrics = named.filter((n) => n.startsWith("coupon_drop_") || n === "up");
      expect(metrics.length, `${panel}: ${expr} names a metric`).toBeGreaterThan(0);
      for (const metric of metrics)
        expect(metric === "up" || exported.has(metric), `${panel}: ${metric} is exported`).toBe(
          true,
        );
      // Grafana's $__rate_interval is a range Prometheus itself does not know.
      await expect(
        prometheus.query(expr.replaceAll("$__rate_interval", "1m")),
        `${panel}: ${expr}`,
      ).resolves.toBeDefined();
    }
  });

  it("fires the lag alert while the workers are frozen during a drop, and resolves it after", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 40);
    await system.pauseWorkers();
    let resumed = false;
    try {
      const drop = await startDrop(gql, { couponId, users: 80, twice: 0 }).done;
      expect(drop.accepted).toBe(40);
      // The gateway counted every press it admitted, and Prometheus scraped it.
      await waitUntil(
        async () => (await sumOf('sum(coupon_drop_admissions_total{outcome="accepted"})')) === 40,
        { what: "Prometheus to see 40 accepted presses" },
      );
      await expectAlert("CouponDropConsumerLagHigh", "firing");
      expect(await sumOf("sum(coupon_drop_consumer_lag_records)")).toBe(40);
      await system.resumeWorkers();
      resumed = true;
      await expectAlert("CouponDropConsumerLagHigh", "inactive");
      let seen = "";
      await waitUntil(
        async () => {
          // As an operator's panel counts them: increase() carries a counter across a worker's
          // restart (a worker frozen past its session timeout leaves and is started again, its
          // counters from 0), where the plain sum would lose what the old process had counted.
          const issued = Math.round(
            await sumOf('sum(increase(coupon_drop_issue_outcomes_total{status="ISSUED"}[10m]))'),
          );
          const lagRecords = await sumOf("sum(coupon_drop_consumer_lag_records)");
          seen = `issued ${issued}, lag ${lagRecords} records`;
          return issued === 40 && lagRecords === 0;
        },
        { what: "Prometheus to see 40 requests ISSUED and no lag", timeoutMs: 60_000 },
      ).catch((error: Error) => Promise.reject(new Error(`${error.message} (${seen})`)));
    } finally {
      if (!resumed) await system.resumeWorkers();
    }
  }, 300_000);

  it("fires the broker alert when the broker is killed, and resolves it once it is back", async () => {
    expect(await prometheus.alertState("CouponDropBrokerDown")).toBe("inactive");
    await broker.kill("SIGKILL");
    await expectAlert("CouponDropBrokerDown", "firing");
    await broker.restart();
    await expectAlert("CouponDropBrokerDown", "inactive");
  }, 300_000);
});
