import { createHash } from "node:crypto";
import type { IHeaders, KafkaMessage } from "kafkajs";
import { z } from "zod";
import { describeIssues, type FieldIssue } from "#shared/describe-issues.ts";
import { ForgedDeadLetterError } from "#shared/errors/forged-dead-letter-error.ts";
import { decodeIssueEvent } from "#shared/issue-event.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { deadLetterKeyOf, legacyDeadLetterKey } from "./dead-letter-key.ts";
import type { NewDeadLetter } from "./dead-letter-repository.ts";

/**
 * How much of a DLT record is kept. A worker's headers are short (its error message is cut at 2,000
 * characters) and an event is a few hundred bytes; whatever is beyond these bounds was not written
 * by a worker, and is cut so that one record cannot bloat the table or an alert.
 */
export const DLT_RECORD_LIMITS = {
  headers: 64,
  headerNameChars: 256,
  headerValueChars: 8192,
  recordKeyChars: 1024,
  payloadChars: 256 * 1024,
  /**
   * Of the payload of a record no worker wrote (its headers fail the check): it cannot be replayed,
   * and a flood of them at the whole size would be a flood of table.
   */
  forgedPayloadChars: 16 * 1024,
  /** Of the description of what was wrong with a record. */
  malformedChars: 2000,
} as const;

/** What is read of a DLT record (of the topic, or of the stream workers' dead-letter stream). */
export type DltMessage = Pick<KafkaMessage, "offset" | "key" | "value" | "headers">;

/** Kafka topic names: what `x-original-topic` must look like. */
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "not a Kafka topic name");
const digits = (max: number) =>
  z
    .string()
    // abort: the bound below is only read of digits.
    .regex(/^\d{1,19}$/, { message: "not a non-negative integer", abort: true })
    .refine((text) => BigInt(text) <= BigInt(max), `must be at most ${max}`);
const isoTime = z.iso.datetime({ offset: true });

/**
 * Each header a worker writes (dead-letter-publisher.ts), as text. `x-dead-letter-key` is missing on
 * records of older workers; every other one every worker wrote.
 */
const WORKER_HEADERS = {
  [DLT_HEADERS.originalTopic]: topicName,
  [DLT_HEADERS.originalPartition]: digits(2 ** 31 - 1),
  [DLT_HEADERS.originalOffset]: digits(Number.MAX_SAFE_INTEGER),
  [DLT_HEADERS.attempts]: digits(1000).refine((text) => Number(text) >= 1, "must be at least 1"),
  // A class name as `error.name` gives it, not prose or markup.
  [DLT_HEADERS.errorClass]: z.string().regex(/^[A-Za-z_$][\w$.:-]{0,199}$/, "not an error class"),
  [DLT_HEADERS.errorMessage]: z.string().max(2000),
  [DLT_HEADERS.firstFailureAt]: isoTime,
  [DLT_HEADERS.lastFailureAt]: isoTime,
} as const satisfies Record<string, z.ZodType<string>>;

type WorkerHeader = keyof typeof WORKER_HEADERS;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/** Bytes as text PostgreSQL can store (no NUL), cut at `max` characters, and what was changed. */
function storableText(
  bytes: Uint8Array | string,
  max: number,
): { text: string; problems: string[] } {
  const problems: string[] = [];
  let text: string;
  if (typeof bytes === "string") text = bytes;
  else {
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      text = lenientUtf8.decode(bytes);
      problems.push("not valid UTF-8");
    }
  }
  if (text.includes("\u0000")) {
    text = text.replaceAll("\u0000", "\uFFFD");
    problems.push("contains NUL");
  }
  if (text.length > max) {
    text = text.slice(0, max);
    problems.push(`over ${max} characters, cut`);
  }
  return { text, problems };
}

/**
 * A record of the dead-letter topic as the dead letter to record: its identity, where it was read,
 * the original record and why it failed, from the headers the worker wrote (any worker's, those
 * without an `x-dead-letter-key` too). Never throws, whatever the record holds: every header is
 * checked (zod) against what a worker writes, and one that is missing, of the wrong form, repeated,
 * oversized or not UTF-8 leaves its field at its default; what could not be stored as is (NUL,
 * invalid UTF-8, beyond `DLT_RECORD_LIMITS`) is stored replaced or cut. Such a record was not
 * written by a worker as it stands: `malformed` says what was wrong (ForgedDeadLetterError), and the
 * monitor alerts it and moves on.
 */
export function readDltRecord(
  topic: string,
  partition: number,
  message: DltMessage,
): NewDeadLetter {
  const issues: FieldIssue[] = [];
  const note = (field: string, problems: string[]) => {
    for (const problem of problems) issues.push({ field, message: problem });
  };

  const raw: IHeaders = message.headers ?? {};
  const names = Object.keys(raw);
  if (names.length > DLT_RECORD_LIMITS.headers)
    note("(headers)", [
      `${names.length} headers, over ${DLT_RECORD_LIMITS.headers}; the rest dropped`,
    ]);
  const headers: Record<string, string> = {};
  for (const rawName of names.slice(0, DLT_RECORD_LIMITS.headers)) {
    const name = storableText(rawName, DLT_RECORD_LIMITS.headerNameChars);
    note("(header name)", name.problems);
    const value = raw[rawName];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (values.length > 1) note(name.text, [`repeated ${values.length} times; the first kept`]);
    const first = storableText(values[0] ?? "", DLT_RECORD_LIMITS.headerValueChars);
    note(name.text, first.problems);
    headers[name.text] = first.text;
  }

  // Each header a worker writes, checked; a bad one counts as absent from here on.
  const valid: Partial<Record<WorkerHeader, string>> = {};
  for (const [name, schema] of Object.entries(WORKER_HEADERS) as Array<
    [WorkerHeader, z.ZodType<string>]
  >) {
    const text = headers[name];
    if (text === undefined) {
      note(name, ["missing"]);
      continue;
    }
    if (issues.some((issue) => issue.field === name)) continue;
    const parsed = schema.safeParse(text);
    if (parsed.success) valid[name] = parsed.data;
    else
      note(
        name,
        parsed.error.issues.map((issue) => issue.message),
      );
  }
  // Missing on records of older workers; when there, the record's identity (dead-letter-key.ts).
  const namedKey = headers[DLT_HEADERS.deadLetterKey];
  if (namedKey !== undefined && !z.uuid().safeParse(namedKey).success)
    note(DLT_HEADERS.deadLetterKey, ["not a UUID"]);

  const payload =
    message.value === null ? null : storableText(message.value, DLT_RECORD_LIMITS.payloadChars);
  if (payload) note("(value)", payload.problems);
  const recordKey =
    message.key === null ? null : storableText(message.key, DLT_RECORD_LIMITS.recordKeyChars);
  if (recordKey) note("(key)", recordKey.problems);
  const decoded = decodeIssueEvent(payload?.text ?? null);

  const lastFailureAt = headers[DLT_HEADERS.lastFailureAt];
  const identity = { topic, partition, offset: message.offset, headers };
  // The legacy key holds the last failure time as written; one that is no time may be anything,
  // so it is hashed: a key stays short enough to be indexed, and tells two such records apart.
  const letterKey =
    lastFailureAt !== undefined && valid[DLT_HEADERS.lastFailureAt] === undefined
      ? legacyDeadLetterKey({
          ...identity,
          headers: { [DLT_HEADERS.lastFailureAt]: `sha256:${sha256(lastFailureAt)}` },
        })
      : deadLetterKeyOf(identity);
  const time = (name: WorkerHeader) => {
    const text = valid[name];
    return text === undefined ? null : new Date(text);
  };

  const entry: NewDeadLetter = {
    letterKey,
    topic,
    partition,
    offset: message.offset,
    recordKey: recordKey?.text ?? null,
    payload: payload?.text ?? null,
    headers,
    errorClass: valid[DLT_HEADERS.errorClass] ?? "Unknown",
    errorMessage: valid[DLT_HEADERS.errorMessage] ?? "",
    attempts: Number(valid[DLT_HEADERS.attempts] ?? 1),
    firstFailedAt: time(DLT_HEADERS.firstFailureAt),
    lastFailedAt: time(DLT_HEADERS.lastFailureAt),
    couponId: decoded.ok ? decoded.event.couponId : null,
  };
  if (issues.length > 0 && entry.payload !== null) {
    const { forgedPayloadChars } = DLT_RECORD_LIMITS;
    if (entry.payload.length > forgedPayloadChars) {
      note("(value)", [`cut at ${forgedPayloadChars} characters of ${entry.payload.length}`]);
      entry.payload = entry.payload.slice(0, forgedPayloadChars);
    }
  }
  if (issues.length > 0)
    entry.malformed = `${ForgedDeadLetterError.name}: ${describeIssues(issues)}`.slice(
      0,
      DLT_RECORD_LIMITS.malformedChars,
    );
  return entry;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * What is recorded when a DLT record could not be stored even as `readDltRecord` read it: where it
 * was, under a key of its content, marked, and nothing of what it held. The monitor moves on.
 */
export function placeholderDeadLetter(
  topic: string,
  partition: number,
  message: DltMessage,
  why: string,
): NewDeadLetter {
  const content = createHash("sha256");
  content
    .update(message.key ?? "")
    .update("\u0000")
    .update(message.value ?? "");
  for (const [name, value] of Object.entries(message.headers ?? {}))
    content.update(`\u0000${name}\u0000${String(value)}`);
  return {
    letterKey: `unstorable:${topic}/${partition}/${message.offset}/${content.digest("hex")}`,
    topic,
    partition,
    offset: message.offset,
    recordKey: null,
    payload: null,
    headers: {},
    errorClass: ForgedDeadLetterError.name,
    errorMessage: "",
    attempts: 1,
    firstFailedAt: null,
    lastFailedAt: null,
    couponId: null,
    malformed: `${ForgedDeadLetterError.name}: could not be stored as read (${why})`
      .replaceAll("\u0000", "\uFFFD")
      .slice(0, DLT_RECORD_LIMITS.malformedChars),
  };
}
