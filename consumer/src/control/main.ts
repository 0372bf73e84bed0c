// The control process: internal API for the gateway, DLT monitor, reconciler, metrics. Without the
// KAFKA pipeline (ISSUE_PIPELINES=REDIS_STREAM) it opens no Kafka client: the DLT monitor reads the
// dead-letter stream only, and the reconciler re-enqueues into the coupons' streams.
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { createEventSigner, createEventVerifier } from "#shared/issue-event-signature.ts";
import { readConsumerConfig } from "../config.ts";
import { createCouponService } from "../coupons/coupon-service.ts";
import { createDashboardRoutes } from "../dashboard/dashboard-routes.ts";
import { createDropSnapshots } from "../dashboard/drop-snapshot.ts";
import { createAlertSink } from "../dead-letter/alert-sink.ts";
import { createDeadLetterReplay } from "../dead-letter/dead-letter-replay.ts";
import { createDeadLetterRepository } from "../dead-letter/dead-letter-repository.ts";
import { createDltMonitor } from "../dead-letter/dlt-monitor.ts";
import { createInternalApiServer } from "../internal-api/internal-api-server.ts";
import { createConsumerLag } from "../monitoring/consumer-lag.ts";
import { createDependencyProbes } from "../monitoring/dependency-probes.ts";
import { createHealthRoutes } from "../monitoring/health-server.ts";
import { createControlMetrics } from "../monitoring/metrics.ts";
import { runPeriodically } from "../monitoring/periodic.ts";
import { openCoreResources, openKafkaResources } from "../process-resources.ts";
import { createReconciler } from "../reconciler/reconciler.ts";
import { createRedisClient } from "../redis/redis-client.ts";

await runServiceProcess({
  name: "control",
  readConfig: () => readConsumerConfig(),
  async start(config, logger) {
    const resources = await openCoreResources(config, logger);
    const { registry, database, redis, store } = resources;
    const kafkaSide = config.kafkaEnabled
      ? await openKafkaResources(config, "control", logger).catch(async (error) => {
          await resources.close();
          throw error;
        })
      : null;
    const kafka = kafkaSide?.kafka ?? null;
    const producer = kafkaSide?.producer ?? null;
    const metrics = createControlMetrics(registry);

    const deadLetterRepository = createDeadLetterRepository(database.orm.em);
    const signer = createEventSigner(config.eventKeys.signingKey);
    const replay = createDeadLetterReplay(deadLetterRepository, producer, {
      topic: config.issueTopic,
      signer,
      verifier: createEventVerifier(config.eventKeys.verificationKeys),
      store,
    });
    // The stream workers' dead letters are read on a connection of its own (XREADGROUP blocks).
    const deadLetterReader = createRedisClient({
      url: config.redisUrl,
      clusterNodes: config.redisClusterNodes,
    });

    const snapshots = createDropSnapshots({
      em: database.orm.em,
      redis,
      kafka,
      topic: config.issueTopic,
      groupId: config.consumerGroup,
      redisKeyPrefix: config.redisKeyPrefix,
    });
    const health = createHealthRoutes({ registry, metrics: config.metricsAccess });
    // The operators' page, behind a credential of its own outside development.
    const dashboard = createDashboardRoutes({ snapshots, access: config.dashboardAccess });
    const server = createInternalApiServer({
      coupons: createCouponService(database.coupons, store, {
        pipelineRolloutPercent: config.pipelineRolloutPercent,
        pipelines: config.pipelines,
      }),
      deadLetters: { deadLetters: deadLetterRepository, replay },
      token: config.internalApi.token,
      fallback: async (request, response) =>
        (await health(request, response)) || (await dashboard(request, response)),
      logger,
      httpLimits: config.httpLimits,
    });
    await server.listen(config.internalApi.port, config.internalApi.host);

    const alerts = createAlertSink({
      webhookUrl: config.alertWebhookUrl,
      windowMs: config.alertWindowMs,
      logger,
    });
    const monitor = createDltMonitor({
      kafka,
      repository: deadLetterRepository,
      alert: alerts.alert,
      metrics,
      topic: config.deadLetterTopic,
      groupId: config.dltMonitorGroup,
      stream: {
        redis: deadLetterReader,
        key: store.keys.streamDeadLetters,
        group: config.stream.deadLetterGroup,
      },
      logger: logger.child({ component: "dlt-monitor" }),
    });
    await monitor.start();

    const reconciler = createReconciler({
      redis,
      store,
      producer,
      signer,
      topic: config.issueTopic,
      findOutcome: database.findOutcome,
      metrics,
      afterMs: config.reconcile.afterMs,
      giveUpAfterMs: config.reconcile.giveUpAfterMs,
      logger: logger.child({ component: "reconciler" }),
    }).start(config.reconcile.intervalMs);

    // What Prometheus alerts on when the workers cannot say it themselves (frozen, or down): the
    // persistence group's lag, and whether Kafka (when it runs), Redis and PostgreSQL answer.
    const admin = kafka?.admin() ?? null;
    await admin?.connect();
    const probes = createDependencyProbes({
      metrics,
      probes: {
        ...(admin ? { kafka: () => admin.describeCluster() } : {}),
        redis: () => redis.ping(),
        postgresql: async () => metrics.deadLettersStored.set(await deadLetterRepository.count()),
      },
    });
    const watching = [
      runPeriodically(probes.probeAll, config.monitoring.probeIntervalMs, (message) =>
        logger.warn(`dependency probes failed: ${message}`),
      ),
    ];
    if (admin) {
      const lag = createConsumerLag({
        admin,
        groupId: config.consumerGroup,
        topic: config.issueTopic,
        metrics,
      });
      watching.push(
        runPeriodically(lag.sample, config.monitoring.lagSampleIntervalMs, (message) =>
          logger.warn(`consumer lag not sampled: ${message}`),
        ),
      );
    }

    return {
      readyLine: `internal API on ${config.internalApi.url} (pipelines ${config.pipelines.join(", ")})`,
      async close() {
        await server.close();
        await snapshots.close();
        await Promise.all(watching.map((w) => w.stop()));
        await admin?.disconnect().catch(() => undefined);
        await reconciler.stop();
        await monitor.stop().catch(() => undefined);
        // What the monitor recorded last is summed up and sent before the process goes.
        await alerts.close();
        deadLetterReader.disconnect();
        await kafkaSide?.close();
        await resources.close();
      },
    };
  },
});
