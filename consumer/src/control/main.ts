// The control process: internal API for the gateway, DLT monitor, reconciler, metrics.
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { readConsumerConfig } from "../config.ts";
import { createCouponService } from "../coupons/coupon-service.ts";
import { createDatabase } from "../db/database.ts";
import { createAlertSink } from "../dead-letter/alert-sink.ts";
import { createDeadLetterReplay } from "../dead-letter/dead-letter-replay.ts";
import { createDeadLetterRepository } from "../dead-letter/dead-letter-repository.ts";
import { createDltMonitor } from "../dead-letter/dlt-monitor.ts";
import { createInternalApiServer } from "../internal-api/internal-api-server.ts";
import { createDurableProducer, createKafkaClient } from "../kafka/kafka-client.ts";
import { createHealthRoutes } from "../monitoring/health-server.ts";
import { createMetrics } from "../monitoring/metrics.ts";
import { createReconciler } from "../reconciler/reconciler.ts";
import { createRedisClient } from "../redis/redis-client.ts";

await runServiceProcess({
  name: "control",
  async start() {
    const config = readConsumerConfig();
    const log = console.log;
    const metrics = createMetrics();
    const database = await createDatabase(config.databaseUrl);
    const redis = createRedisClient(config.redisUrl);
    const store = createAdmissionStore(createIoredisScriptTransport(redis), {
      keyPrefix: config.redisKeyPrefix,
    });
    const kafka = createKafkaClient(config.kafkaBrokers, "control");
    const producer = createDurableProducer(kafka);
    await producer.connect();

    const deadLetterRepository = createDeadLetterRepository(database.orm.em);
    const replay = createDeadLetterReplay(deadLetterRepository, producer, {
      topic: config.issueTopic,
    });
    metrics.gauge("dead_letters", "Dead letters recorded in PostgreSQL.", async () => [
      [{}, await deadLetterRepository.count()],
    ]);

    const server = createInternalApiServer({
      coupons: createCouponService(database.coupons, store),
      deadLetters: { deadLetters: deadLetterRepository, replay },
      token: config.internalApi.token,
      fallback: createHealthRoutes(metrics),
    });
    await server.listen(config.internalApi.port, config.internalApi.host);

    const monitor = createDltMonitor({
      kafka,
      repository: deadLetterRepository,
      alert: createAlertSink({ webhookUrl: config.alertWebhookUrl, log }),
      metrics,
      topic: config.deadLetterTopic,
      groupId: config.dltMonitorGroup,
      log,
    });
    await monitor.start();

    const reconciler = createReconciler({
      redis,
      store,
      producer,
      topic: config.issueTopic,
      findOutcome: database.findOutcome,
      metrics,
      afterMs: config.reconcile.afterMs,
      giveUpAfterMs: config.reconcile.giveUpAfterMs,
      log,
    }).start(config.reconcile.intervalMs);

    return {
      readyLine: `internal API on ${config.internalApi.url}`,
      async close() {
        await server.close();
        await reconciler.stop();
        await monitor.stop().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
        await redis.quit().catch(() => undefined);
        await database.close();
      },
    };
  },
});
