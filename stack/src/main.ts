// npm start: the whole system on this machine, in order; Ctrl-C stops what it started, in reverse.
import { z } from "zod";
import { STACK_DEFAULTS, streamWorkerMetricsPort, TOPICS } from "#shared/defaults.ts";
import { describeIssues } from "#shared/describe-issues.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { enabledPipelinesSetting } from "#shared/issue-pipeline.ts";
import { readLogSettings } from "#shared/logging/logger.ts";
import { parseClusterNodes } from "#shared/redis/redis-endpoint.ts";
import { appProcesses, GATEWAY_RUNTIMES } from "./app-processes.ts";
import { startInfrastructure } from "./infrastructure.ts";
import { issueTopics } from "./kafka/kafka-topics.ts";
import { DATA_DIR } from "./paths.ts";
import { acquireRunLock, type RunLock } from "./run-lock.ts";
import { stackEnv } from "./stack-env.ts";
import { createLogWriter } from "./supervisor/log-writer.ts";
import { assertPortFree } from "./supervisor/port-holders.ts";
import { createSupervisor, listenPortOf } from "./supervisor/supervisor.ts";

const began = Date.now();
const env = stackEnv();
// Its own lines through its logger (LOG_LEVEL, LOG_FORMAT), each process's lines as they are.
const write = createLogWriter(readLogSettings());
// A closed terminal must not turn every later log line into an EPIPE crash mid-shutdown.
process.stdout.on("error", () => undefined);
const options = z
  .object({
    CONSUMER_COUNT: z.coerce.number().int().min(1).max(32).default(STACK_DEFAULTS.consumerCount),
    STREAM_WORKER_COUNT: z.coerce
      .number()
      .int()
      .min(0)
      .max(32)
      .default(STACK_DEFAULTS.streamWorkerCount),
    GATEWAY_RUNTIME: z.enum(GATEWAY_RUNTIMES).default(STACK_DEFAULTS.gatewayRuntime),
    /** `REDIS_STREAM` alone: no broker, no Kafka REST proxy, no issue workers are started. */
    ISSUE_PIPELINES: enabledPipelinesSetting,
    WORKER_METRICS_BASE_PORT: z.coerce
      .number()
      .int()
      .min(1)
      .max(65_000)
      .default(STACK_DEFAULTS.workerMetricsBasePort),
    ISSUE_TOPIC: z.string().min(1).default(TOPICS.issueRequests),
    DEAD_LETTER_TOPIC: z.string().min(1).default(TOPICS.issueRequestsDlt),
  })
  .safeParse(process.env);
if (!options.success) {
  console.error(`npm start: invalid setting: ${describeIssues(options.error)}`);
  process.exit(2);
}
const {
  GATEWAY_RUNTIME: gatewayRuntime,
  WORKER_METRICS_BASE_PORT: metricsBase,
  ISSUE_PIPELINES: pipelines,
} = options.data;
const withKafka = pipelines.includes("KAFKA");
// Workers of a pipeline that does not run are not started (they would refuse to).
const workers = withKafka ? options.data.CONSUMER_COUNT : 0;
const streamWorkers = pipelines.includes("REDIS_STREAM") ? options.data.STREAM_WORKER_COUNT : 0;
const workerMetricsPort = (worker: number) => metricsBase + worker;
// Stream workers after the issue workers' ports: 10 further on, as the defaults put them.
const streamMetricsPort = (worker: number) =>
  metricsBase - STACK_DEFAULTS.workerMetricsBasePort + streamWorkerMetricsPort(worker);
const topics = issueTopics(options.data.ISSUE_TOPIC, options.data.DEAD_LETTER_TOPIC);

let lock: RunLock;
try {
  lock = await acquireRunLock({ dataDir: DATA_DIR, log: (line) => write("stack", line) });
} catch (error) {
  write("stack", `not started: ${messageOf(error)}`);
  process.exit(1);
}

let shuttingDown = false;
let state: "starting" | "running" = "starting";
let infrastructure: Awaited<ReturnType<typeof startInfrastructure>> | undefined;
const supervisor = createSupervisor({
  write,
  onGiveUp: (reason) => {
    write("stack", reason);
    void shutdown(1);
  },
  onPids: (pids) => {
    if (!shuttingDown) lock.update(state, pids);
  },
});

async function shutdown(code: number, why?: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  lock.update("stopping");
  write("stack", `${why ? `${why}: ` : ""}stopping everything this run started, in reverse order`);
  await supervisor.stopAll();
  await infrastructure?.stop();
  lock.release();
  write("stack", code === 0 ? "stopped" : `stopped (exit code ${code})`);
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.once(signal, () => void shutdown(0, signal));

try {
  // Every port an app process will listen on, before anything starts: one held by anyone else
  // (another run's proxy or control, say) stops the start here, naming the holder.
  const processOptions = {
    env,
    pipelines,
    workers,
    gatewayRuntime,
    workerMetricsPort,
    streamWorkers,
    streamWorkerMetricsPort: streamMetricsPort,
    // The example shop page (examples/storefront/), built at its start: a drop to press by hand.
    storefront: true,
  };
  const planned = appProcesses(processOptions);
  for (const spec of planned) {
    const port = listenPortOf(spec);
    if (port !== undefined) await assertPortFree(port, "127.0.0.1", spec.name);
  }
  infrastructure = await startInfrastructure({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: parseClusterNodes(env.REDIS_CLUSTER_NODES ?? ""),
    kafkaBrokers: env.KAFKA_BROKERS,
    withKafka,
    redisRestToken: env.REDIS_REST_TOKEN,
    topics,
    log: write,
  });
  const { redisRestRedisUrl } = infrastructure;
  // The same processes, the Redis REST proxy now with the credentials the infrastructure made.
  const specs = appProcesses({ ...processOptions, redisRestRedisUrl });
  for (const spec of specs) {
    if (shuttingDown) break;
    await supervisor.start(spec);
    write("stack", `${spec.name} up`);
  }
  if (!shuttingDown) {
    state = "running";
    lock.update(state);
    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    const metrics = [
      ...Array.from({ length: workers }, (_, i) => workerMetricsPort(i + 1)),
      ...Array.from({ length: streamWorkers }, (_, i) => streamMetricsPort(i + 1)),
    ].map((port) => `http://127.0.0.1:${port}/metrics`);
    write(
      "stack",
      `GraphiQL          http://127.0.0.1:${env.PORT}/graphql  (gateway on ${gatewayRuntime})`,
    );
    write(
      "stack",
      `internal API      ${env.INTERNAL_API_URL}  (metrics ${env.INTERNAL_API_URL}/metrics)`,
    );
    write("stack", `drop dashboard    ${env.INTERNAL_API_URL}/dashboard`);
    write("stack", `storefront        ${env.STOREFRONT_URL}/?coupon=<id>&user=<shopper id>`);
    write("stack", `worker metrics    ${metrics.join("  ")}`);
    write(
      "stack",
      withKafka
        ? `Redis REST        ${env.REDIS_REST_URL}   Kafka REST ${env.KAFKA_REST_URL}`
        : `Redis REST        ${env.REDIS_REST_URL}   no Kafka (ISSUE_PIPELINES=${pipelines.join(",")})`,
    );
    write("stack", `coupon-drop ready in ${seconds}s — Ctrl-C stops it`);
  }
} catch (error) {
  write("stack", `start failed: ${messageOf(error)}`);
  await shutdown(1);
}
