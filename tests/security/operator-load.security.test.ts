// Someone who can write to the broker floods the dead-letter topic: hundreds of records with a
// quarter-megabyte payload each, and hundreds that look like a worker's but name made-up error
// classes, while the operators' webhook is slow. What reaches the operators is bounded: the table
// keeps a forged payload only in part, the webhook gets a handful of messages that count the flood,
// the metric's labels stay the known classes, and a real dead letter behind the flood is recorded
// at once, however long the webhook takes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_DEAD_LETTER_CLASSES } from "#consumer/dead-letter/dead-letter-classes.ts";
import { DLT_HEADERS } from "#consumer/dead-letter/dead-letter-headers.ts";
import { DLT_RECORD_LIMITS } from "#consumer/dead-letter/read-dlt-record.ts";
import { WORKER_FAILURE_HEADERS } from "#consumer/dead-letter/test-support/worker-failure-headers.ts";
import { encodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { createCoupon, userIdBase } from "#test-support/coupon-drop.ts";
import { createGraphqlClient } from "#test-support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { type SystemNames, uniqueSystemNames } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";

/**
 * A webhook that takes `delayMs` to answer each call: an operators' endpoint having a bad day. At
 * four seconds a call, alerting each of the flood's dead letters in line would take a quarter hour.
 */
async function startSlowWebhook(delayMs: number) {
  const received: Array<Record<string, unknown>> = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push(JSON.parse(body));
      setTimeout(() => response.writeHead(204).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const FLOOD = 200;
const WINDOW_MS = 10_000;
const bytes = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]));

describe("a flood of dead letters written straight to the broker", () => {
  const names: SystemNames = uniqueSystemNames();
  let system: SystemUnderTest;
  let webhook: Awaited<ReturnType<typeof startSlowWebhook>>;
  let db: pg.Pool;

  beforeAll(async () => {
    webhook = await startSlowWebhook(4000);
    system = await startSystem({
      workers: 1,
      streamWorkers: 1,
      names,
      extraEnv: { control: { ALERT_WEBHOOK_URL: webhook.url, ALERT_WINDOW_MS: String(WINDOW_MS) } },
    });
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await db?.end();
    await system?.stop();
    await webhook?.close();
  });

  it("is stored cut, alerted as a count off the monitor's path, and labelled only by known classes", async () => {
    const couponId = await createCoupon(createGraphqlClient(system.graphqlUrl), 5);
    const started = Date.now();
    const run = crypto.randomUUID();
    const kafka = new Kafka({
      clientId: "operator-load-test",
      brokers: system.env.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    });
    const key = issueEventKey(couponId);
    const event = (i: number) =>
      encodeIssueEvent({
        requestId: uuidV7(),
        userId: String(userIdBase() + i),
        couponId,
        requestedAt: new Date().toISOString(),
        source: "API",
      });
    // Half without a worker's headers and a quarter-megabyte payload; half with a worker's headers
    // naming a class of their own, each different.
    const oversized = Array.from({ length: FLOOD / 2 }, (_, i) => ({
      key,
      value: `${run}:${i}:`.padEnd(256 * 1024, "x"),
      headers: {},
    }));
    const madeUp = Array.from({ length: FLOOD / 2 }, (_, i) => ({
      key,
      value: event(i),
      headers: bytes({
        ...WORKER_FAILURE_HEADERS,
        [DLT_HEADERS.originalTopic]: names.issueTopic,
        [DLT_HEADERS.errorClass]: `MadeUp${i}-${run.slice(0, 8)}`,
      }),
    }));
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Three of the large ones to a request: the broker takes a megabyte at most.
      for (let i = 0; i < FLOOD / 2; i += 3)
        await producer.send({
          topic: names.deadLetterTopic,
          messages: [...oversized.slice(i, i + 3), ...madeUp.slice(i, i + 3)],
        });
    } finally {
      await producer.disconnect();
    }
    // A worker's real dead letter behind the flood: an event nobody signed, through the proxy.
    const unsigned = event(FLOOD);
    const credentials = btoa(`${system.env.KAFKA_REST_USERNAME}:${system.env.KAFKA_REST_PASSWORD}`);
    const produced = await fetch(`${system.env.KAFKA_REST_URL}/produce`, {
      method: "POST",
      headers: { authorization: `Basic ${credentials}`, "content-type": "application/json" },
      body: JSON.stringify({ topic: names.issueTopic, key, value: unsigned }),
    });
    expect(produced.status).toBe(200);

    // Recorded in the time the flood takes to read, not the webhook's: nothing waits for it.
    await waitUntil(
      async () => {
        const { rows } = await db.query(
          "SELECT count(*)::int AS n FROM dead_letter WHERE topic = $1 AND payload = $2",
          [names.deadLetterTopic, unsigned],
        );
        return rows[0].n === 1;
      },
      { timeoutMs: 90_000, what: "the real dead letter behind the flood to be recorded" },
    );

    const { rows: stored } = await db.query<{
      id: string;
      length: number;
      malformed: string | null;
    }>(
      `SELECT id::text, length(payload) AS length, malformed FROM dead_letter
        WHERE topic = $1 AND (payload LIKE $2 OR payload = ANY($3))`,
      [names.deadLetterTopic, `${run}:%`, madeUp.map((m) => m.value)],
    );
    expect(stored).toHaveLength(FLOOD);
    const cut = stored.filter((row) => row.malformed !== null);
    expect(cut).toHaveLength(FLOOD / 2);
    for (const row of cut) expect(row.length).toBe(DLT_RECORD_LIMITS.forgedPayloadChars);

    const alertedIds = () =>
      webhook.received.flatMap((m) =>
        m.event === "dead_letters" ? (m.deadLetterIds as string[]) : [String(m.deadLetterId)],
      );
    await waitUntil(() => stored.every((row) => alertedIds().includes(row.id)), {
      timeoutMs: 60_000,
      what: "every dead letter of the flood alerted, at once or in a summary",
    });
    // Three kinds (forged records with no coupon read, made-up classes as Other, the real one as
    // ForgedEventError): per window that the flood lasted, a first alert and a summary each, at most.
    const windows = Math.ceil((Date.now() - started) / WINDOW_MS) + 1;
    expect(webhook.received.length).toBeLessThanOrEqual(3 * 2 * windows);
    expect(webhook.received.length).toBeLessThan(FLOOD / 10);
    // Each dead letter alerted once: by its own message, or counted in one summary.
    const firsts = webhook.received.filter((m) => m.event === "dead_letter").length;
    const counted = webhook.received
      .filter((m) => m.event === "dead_letters")
      .reduce((sum, m) => sum + Number(m.count), 0);
    expect(firsts + counted).toBe(FLOOD + 1);

    const metrics = await fetch(`${system.internalApiUrl}/metrics`, {
      headers: { authorization: `Bearer ${system.env.INTERNAL_API_TOKEN}` },
    });
    const labels = [
      ...(await metrics.text()).matchAll(/dead_letters_recorded_total\{error_class="([^"]*)"\}/g),
    ].map((match) => match[1] as string);
    expect(labels).toContain("Other");
    for (const label of labels)
      expect(KNOWN_DEAD_LETTER_CLASSES.has(label) || label === "Other", label).toBe(true);
  });
});
