import { z } from "zod";
import { parseInput } from "#shared/http-kit/parse-input.ts";

const header = z.object({
  key: z.string().min(1, "a header needs a key"),
  value: z.string(),
});

/**
 * One message as `@upstash/kafka` sends it. `value` is already a string (the client JSON-stringifies
 * objects); `timestamp` is in milliseconds. Absent and null optional fields mean the same.
 */
export const produceMessageSchema = z.object({
  topic: z.string().min(1, "topic is required"),
  value: z.string({ error: "value must be a string (JSON-stringify objects before sending)" }),
  key: z.string().nullish(),
  partition: z.number().int().nonnegative().nullish(),
  timestamp: z.number().int().nonnegative().nullish(),
  headers: z.array(header).nullish(),
});

export type ProduceMessage = z.infer<typeof produceMessageSchema>;

const produceManySchema = z.array(produceMessageSchema).min(1, "send at least one message");

const isNullishOr = (value: unknown, check: (v: unknown) => boolean) =>
  value === undefined || value === null || check(value);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isHeader = (h: unknown) =>
  typeof h === "object" &&
  h !== null &&
  typeof (h as { key?: unknown }).key === "string" &&
  (h as { key: string }).key.length > 0 &&
  typeof (h as { value?: unknown }).value === "string";

/**
 * Whether `m` is a valid message, checked by hand: the same rules as `produceMessageSchema`, without
 * building zod's result objects for every message of every batch (the gateway's batches pass it).
 */
function isProduceMessage(m: unknown): m is ProduceMessage {
  if (typeof m !== "object" || m === null || Array.isArray(m)) return false;
  const { topic, value, key, partition, timestamp, headers } = m as Record<string, unknown>;
  return (
    typeof topic === "string" &&
    topic.length > 0 &&
    typeof value === "string" &&
    isNullishOr(key, (k) => typeof k === "string") &&
    isNullishOr(partition, isCount) &&
    isNullishOr(timestamp, isCount) &&
    isNullishOr(headers, (h) => Array.isArray(h) && h.every(isHeader))
  );
}

/**
 * `POST /produce` takes one message (`produce`) or a non-empty array of them (`produceMany`);
 * either way the messages in order. Chosen by shape first, so a 400 names the field at fault
 * rather than "matches neither form". A body that passes the hand check is served as it came;
 * one that does not goes through zod, whose issues the 400 names.
 */
export function parseProduceBody(body: unknown): ProduceMessage[] {
  if (Array.isArray(body)) {
    if (body.length > 0 && body.every(isProduceMessage)) return body;
    return parseInput(produceManySchema, body, "produce request");
  }
  if (isProduceMessage(body)) return [body];
  return [parseInput(produceMessageSchema, body, "produce request")];
}

/** One element of the answer, in request order. `offset` and `timestamp` are numbers. */
export interface ProduceResult {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}
