// npm start: the whole system on this machine, in order; Ctrl-C stops what it started, in reverse.
import { z } from "zod";
import { STACK_DEFAULTS, workerMetricsPort } from "#shared/defaults.ts";
import { describeIssues } from "#shared/describe-issues.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { appProcesses, GATEWAY_RUNTIMES } from "./app-processes.ts";
import { startInfrastructure } from "./infrastructure.ts";
import { stackEnv } from "./stack-env.ts";
import { createSupervisor, prefixedWriter } from "./supervisor/supervisor.ts";

const began = Date.now();
const env = stackEnv();
const write = prefixedWriter();
const options = z
  .object({
    CONSUMER_COUNT: z.coerce.number().int().min(1).max(32).default(STACK_DEFAULTS.consumerCount),
    GATEWAY_RUNTIME: z.enum(GATEWAY_RUNTIMES).default(STACK_DEFAULTS.gatewayRuntime),
  })
  .safeParse(process.env);
if (!options.success) {
  console.error(`npm start: invalid setting: ${describeIssues(options.error)}`);
  process.exit(2);
}
const { CONSUMER_COUNT: workers, GATEWAY_RUNTIME: gatewayRuntime } = options.data;

let shuttingDown = false;
let infrastructure: Awaited<ReturnType<typeof startInfrastructure>> | undefined;
const supervisor = createSupervisor({ write });

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  write("stack", "stopping everything this run started, in reverse order");
  await supervisor.stopAll();
  await infrastructure?.stop();
  write("stack", "stopped");
  process.exit(code);
}
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));

try {
  infrastructure = await startInfrastructure({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    kafkaBrokers: env.KAFKA_BROKERS,
    redisRestToken: env.REDIS_REST_TOKEN,
    log: write,
  });
  const { redisRestRedisUrl } = infrastructure;
  for (const spec of appProcesses({ env, redisRestRedisUrl, workers, gatewayRuntime })) {
    if (shuttingDown) break;
    await supervisor.start(spec);
    write("stack", `${spec.name} up`);
  }
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  const metrics = Array.from(
    { length: workers },
    (_, i) => `http://127.0.0.1:${workerMetricsPort(i + 1)}/metrics`,
  );
  write(
    "stack",
    `GraphiQL          http://127.0.0.1:${env.PORT}/graphql  (gateway on ${gatewayRuntime})`,
  );
  write(
    "stack",
    `internal API      ${env.INTERNAL_API_URL}  (metrics ${env.INTERNAL_API_URL}/metrics)`,
  );
  write("stack", `worker metrics    ${metrics.join("  ")}`);
  write("stack", `Redis REST        ${env.REDIS_REST_URL}   Kafka REST ${env.KAFKA_REST_URL}`);
  write("stack", `coupon-drop ready in ${seconds}s — Ctrl-C stops it`);
} catch (error) {
  write("stack", `start failed: ${messageOf(error)}`);
  await shutdown(1);
}
