// Throughput and latency of single-message produces through the Kafka REST proxy, fired all at
// once as the gateway does during a drop. Runs a proxy in this process against KAFKA_BROKERS (or
// measures a running one with --url) and generates the load from a worker thread, so load
// generator and proxy do not share one event loop. Prints messages per second, latency
// percentiles and, for the proxy run here, how many broker requests carried the messages.
//
//   node proxies/kafka-rest/bench/produce-bench.ts [--messages 5000] [--concurrency 5000]
//        [--client http|upstash] [--linger-ms 0]
//        [--url http://127.0.0.1:8082 --username dev --password ...]
//
// --client http (default) sends with node:http over keep-alive connections, which costs little
// CPU; --client upstash sends with the official @upstash/kafka client (fetch), which on a small
// machine saturates its thread before the proxy does.
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Kafka } from "@upstash/kafka";
import { LOCAL_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { createKafkaRestProxy } from "../src/server.ts";

interface Load {
  url: string;
  total: number;
  concurrency: number;
  client: "http" | "upstash";
  username: string;
  password: string;
  topic: string;
}

interface Measured {
  latencies: number[];
  elapsedMs: number;
}

type Produce = (value: string, key: string) => Promise<void>;

function httpProducer(load: Load): Produce {
  const agent = new Agent({ keepAlive: true, maxSockets: load.concurrency });
  const credentials = Buffer.from(`${load.username}:${load.password}`).toString("base64");
  return (value, key) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ topic: load.topic, value, key });
      const req = request(
        `${load.url}/produce`,
        {
          method: "POST",
          agent,
          headers: {
            authorization: `Basic ${credentials}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}: ${text}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
}

function upstashProducer(load: Load): Produce {
  const producer = new Kafka({
    url: load.url,
    username: load.username,
    password: load.password,
  }).producer();
  return async (value, key) => {
    await producer.produce(load.topic, value, { key });
  };
}

/** The load generator (worker thread): `concurrency` lanes until `total` produces are answered. */
async function generate(load: Load): Promise<Measured> {
  const produce = load.client === "http" ? httpProducer(load) : upstashProducer(load);
  const latencies: number[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < load.total) {
      const index = next++;
      const started = performance.now();
      await produce(
        JSON.stringify({ requestId: crypto.randomUUID(), index, source: "BATCH" }),
        `coupon:bench-${index % 50}`,
      );
      latencies.push(performance.now() - started);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: load.concurrency }, lane));
  return { latencies, elapsedMs: performance.now() - started };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      messages: { type: "string", default: "5000" },
      concurrency: { type: "string", default: "5000" },
      client: { type: "string", default: "http" },
      url: { type: "string" },
      username: { type: "string", default: LOCAL_DEFAULTS.KAFKA_REST_USERNAME },
      password: { type: "string", default: LOCAL_DEFAULTS.KAFKA_REST_PASSWORD },
      topic: { type: "string", default: TOPICS.issueRequests },
      "linger-ms": { type: "string", default: "0" },
    },
  });
  const total = Number(args.messages);
  const concurrency = Math.min(Number(args.concurrency), total);
  if (!(total > 0 && concurrency > 0)) throw new Error("--messages and --concurrency must be > 0");
  if (args.client !== "http" && args.client !== "upstash")
    throw new Error("--client is http or upstash");

  const proxy = args.url
    ? undefined
    : createKafkaRestProxy({
        brokers: (process.env.KAFKA_BROKERS ?? LOCAL_DEFAULTS.KAFKA_BROKERS).split(","),
        username: args.username,
        password: args.password,
        topics: [args.topic],
        lingerMs: Number(args["linger-ms"]),
      });
  const url = args.url ?? (await proxy?.listen(0));
  if (!url) throw new Error("no proxy to measure");
  const load: Load = { ...args, url, total, concurrency, client: args.client };

  // One warm-up produce: connecting and loading metadata are not what is measured.
  await generate({ ...load, total: 1, concurrency: 1 });
  const before = proxy?.producer.stats;
  const worker = new Worker(new URL(import.meta.url), { workerData: load });
  const { latencies, elapsedMs } = await new Promise<Measured>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  const after = proxy?.producer.stats;

  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`${total} produces, ${concurrency} in flight, ${load.client} client, through ${url}`);
  console.log(
    `  throughput  ${Math.round((total / elapsedMs) * 1000)} messages/s (${ms(elapsedMs)} in all)`,
  );
  console.log(
    `  latency     p50 ${ms(at(0.5))}  p90 ${ms(at(0.9))}  p99 ${ms(at(0.99))}  max ${ms(at(1))}`,
  );
  if (before && after) {
    const requests = after.brokerRequests - before.brokerRequests;
    const messages = after.messages - before.messages;
    console.log(
      `  broker      ${requests} produce requests, ${(messages / requests).toFixed(1)} messages each`,
    );
  }
  await proxy?.close();
}

if (isMainThread) {
  await main();
} else {
  parentPort?.postMessage(await generate(workerData as Load));
}
