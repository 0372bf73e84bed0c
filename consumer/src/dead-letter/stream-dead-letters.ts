import type { IHeaders } from "kafkajs";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { toRedisError } from "#shared/redis/ioredis-script-transport.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { entryTimeMs, type StreamEntry } from "../redis/stream-group.ts";
import type { FailureInfo } from "./dead-letter-headers.ts";
import { deadLetterHeaders } from "./dead-letter-publisher.ts";
import type { DltMessage } from "./read-dlt-record.ts";

/**
 * The stream workers' dead letters: entries of one Redis stream (keys.streamDeadLetters), each the
 * original record's key and value with exactly the headers a Kafka dead letter carries
 * (`deadLetterHeaders`), as JSON. The DLT monitor reads them in a group of its own and records them
 * like the DLT topic's, so alerts, admin operations and replay serve both pipelines. Only processes
 * holding REDIS_URL can write it: the Redis REST proxy serves no stream command.
 */
export function createStreamDeadLetterPublisher(redis: IoredisClient, key: string) {
  return {
    async publish(record: ConsumedRecord, failure: FailureInfo): Promise<void> {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(deadLetterHeaders(record, failure) as IHeaders)) {
        const first = Array.isArray(value) ? value[0] : value;
        if (first !== undefined) headers[name] = first.toString();
      }
      const fields: Array<string | Buffer> = ["headers", JSON.stringify(headers)];
      if (record.key !== null) fields.push("key", record.key);
      if (record.value !== null) fields.push("value", record.value);
      await redis
        .xadd(key, "*", ...fields)
        .catch((error: unknown) => Promise.reject(toRedisError(error)));
    },
  };
}

/**
 * A dead-letter stream entry as the DLT monitor reads a DLT record: its time part as the offset,
 * absent key or value as null, headers from their JSON (whatever is not a JSON object of strings is
 * no header: read-dlt-record.ts then finds every worker header missing and marks the letter).
 */
export function dltMessageOfEntry(entry: StreamEntry): DltMessage {
  const headers: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(entry.fields.headers ?? "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      for (const [name, value] of Object.entries(parsed))
        if (typeof value === "string") headers[name] = value;
  } catch {
    // Left empty: the letter is recorded marked.
  }
  const { key, value } = entry.fields;
  return {
    offset: entryTimeMs(entry.id),
    key: key === undefined ? null : Buffer.from(key),
    value: value === undefined ? null : Buffer.from(value),
    headers,
  };
}
