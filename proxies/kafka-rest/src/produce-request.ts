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

/**
 * `POST /produce` takes one message (`produce`) or a non-empty array of them (`produceMany`);
 * either way the messages in order. Chosen by shape first, so a 400 names the field at fault
 * rather than "matches neither form".
 */
export function parseProduceBody(body: unknown): ProduceMessage[] {
  if (Array.isArray(body)) return parseInput(produceManySchema, body, "produce request");
  return [parseInput(produceMessageSchema, body, "produce request")];
}

/** One element of the answer, in request order. `offset` and `timestamp` are numbers. */
export interface ProduceResult {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}
