import type { IncomingMessage, ServerResponse } from "node:http";
import { KAFKA_REST_DEFAULTS } from "#shared/defaults.ts";
import { createBasicCheck } from "#shared/http-kit/authorization.ts";
import { answerBackendHealth } from "#shared/http-kit/backend-health.ts";
import { HttpError, methodNotAllowed } from "#shared/http-kit/http-error.ts";
import { createHttpService, type HttpService } from "#shared/http-kit/http-service.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { readJsonBody } from "#shared/http-kit/read-body.ts";
import type { HttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { createKafka } from "#shared/kafka/create-kafka.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import { type BatchingProducer, createBatchingProducer } from "./batching-producer.ts";
import { createPartitionAssigner } from "./partition-assigner.ts";
import { type ProduceMessage, parseProduceBody } from "./produce-request.ts";

export interface KafkaRestProxyOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Basic auth credentials callers must present. */
  username: string;
  password: string;
  /** Topics that may be produced to; any other is a 400. */
  topics: string[];
  /** Largest request body; a larger one is answered 413. Default `KAFKA_REST_DEFAULTS`. */
  maxBodyBytes?: number;
  /**
   * How long a produce may wait for the broker's acknowledgement (queueing, connecting and retries
   * included) before the caller hears 503. Default `KAFKA_REST_DEFAULTS`.
   */
  produceTimeoutMs?: number;
  /** When idle, wait this long for more requests before sending. Default `KAFKA_REST_DEFAULTS`. */
  lingerMs?: number;
  /** Most messages in one broker request. Default `KAFKA_REST_DEFAULTS`. */
  maxBatchMessages?: number;
  /** Timeouts and connection cap of its HTTP server. Default `HTTP_SERVER_DEFAULTS`. */
  httpLimits?: Partial<HttpServerLimits>;
  /** The process's logger (kafkajs's lines and unexpected errors). Default: silent. */
  logger?: Logger;
}

export interface KafkaRestProxy extends HttpService {
  readonly producer: BatchingProducer;
}

/**
 * An HTTP service speaking the Upstash Kafka REST produce dialect (as `@upstash/kafka` sends it) in
 * front of a real Kafka: `POST /produce` with one message or an array, answered with an array of
 * `{topic, partition, offset, timestamp}` in request order once the broker acknowledged them all;
 * `GET /health` without credentials.
 */
export function createKafkaRestProxy({
  brokers,
  username,
  password,
  topics,
  maxBodyBytes = KAFKA_REST_DEFAULTS.maxBodyBytes,
  produceTimeoutMs = KAFKA_REST_DEFAULTS.produceTimeoutMs,
  lingerMs = KAFKA_REST_DEFAULTS.lingerMs,
  maxBatchMessages = KAFKA_REST_DEFAULTS.maxBatchMessages,
  httpLimits,
  logger = silentLogger(),
}: KafkaRestProxyOptions): KafkaRestProxy {
  const kafka = createKafka({
    logger,
    clientId: "kafka-rest-proxy",
    brokers,
    // Every wait fits in the caller's deadline, so a dead broker is a prompt 503, not a hang.
    connectionTimeout: Math.min(2000, produceTimeoutMs),
    requestTimeout: Math.max(produceTimeoutMs, 1000),
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const allowedTopics = new Set(topics);
  const isAuthorized = createBasicCheck(username, password);
  const assigner = createPartitionAssigner({ kafka });
  const producer = createBatchingProducer({
    kafka,
    timeoutMs: produceTimeoutMs,
    lingerMs,
    maxBatchMessages,
  });
  producer.warmUp();
  assigner.warmUp(topics);

  function checkTopics(messages: ProduceMessage[]): void {
    const unknown = messages.find((message) => !allowedTopics.has(message.topic));
    if (unknown) {
      throw new HttpError(
        400,
        `unknown topic '${unknown.topic}': this proxy produces to ${[...allowedTopics].join(", ")}`,
      );
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://proxy").pathname;
    // The backend is up when the broker answered last time.
    if (answerBackendHealth(request, response, path, producer.backendUp)) return;
    if (!isAuthorized(request.headers.authorization)) {
      throw new HttpError(
        401,
        "Unauthorized: send 'Authorization: Basic base64(KAFKA_REST_USERNAME:KAFKA_REST_PASSWORD)'",
      );
    }
    if (path !== "/produce") {
      throw new HttpError(404, `no route ${path}: this proxy serves POST /produce only`);
    }
    if (request.method !== "POST") throw methodNotAllowed(request.method, path, ["POST"]);

    const messages = parseProduceBody(await readJsonBody(request, maxBodyBytes));
    checkTopics(messages);
    const partitions = await assigner.assign(messages);
    const results = await producer.produce(
      messages.map((message, index) => ({ message, partition: partitions[index] as number })),
    );
    sendJson(response, 200, results);
  }

  const service = createHttpService({
    handle,
    logger,
    maxBodyBytes,
    limits: httpLimits,
    onDrained: async () => {
      await Promise.all([producer.close(), assigner.close()]);
    },
  });

  // The service itself, its `url` getter live, with what tests and the process look into.
  return Object.assign(service, { producer });
}
