import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryLogger } from "#shared/logging/memory-logger.ts";
import { waitUntil } from "#test-support/wait.ts";
import { type AlertMessage, createAlertSink, type DeadLetterAlert } from "./alert-sink.ts";

const alert: DeadLetterAlert = {
  deadLetterId: "12",
  topic: "coupon-issue-requests",
  originalPartition: 1,
  originalOffset: "340",
  couponId: "42",
  errorClass: "CouponNotFound",
  errorMessage: "coupon 42 does not exist in PostgreSQL",
  attempts: 3,
  recordedAt: "2026-11-25T05:00:00.000Z",
};

let server: Server | undefined;
afterEach(() => server?.close());

/** A webhook that answers each POST with the next status of `statuses` (the last one repeats). */
async function webhook(statuses: number[]) {
  const received: Array<{ contentType: string | undefined; body: unknown }> = [];
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ contentType: request.headers["content-type"], body: JSON.parse(body) });
      response.writeHead(statuses[Math.min(received.length, statuses.length) - 1] ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

const letter = (id: string, over: Partial<DeadLetterAlert> = {}): DeadLetterAlert => ({
  ...alert,
  deadLetterId: id,
  ...over,
});

describe("alert sink", () => {
  it("logs a structured line and POSTs the alert, retrying until the webhook takes it", async () => {
    const hook = await webhook([503, 503, 204]);
    const { logger, lines } = createMemoryLogger();
    const sink = createAlertSink({ webhookUrl: hook.url, baseDelayMs: 10, logger });
    sink.alert(alert);
    await sink.close();
    expect(hook.received).toHaveLength(3);
    for (const { contentType, body } of hook.received) {
      expect(contentType).toBe("application/json");
      expect(body).toEqual({ event: "dead_letter", ...alert });
    }
    expect(lines[0]).toMatchObject({ alert: true, event: "dead_letter", deadLetterId: "12" });
  });

  it("gives up after its attempts, and says so", async () => {
    const hook = await webhook([500]);
    const { logger, lines } = createMemoryLogger();
    const sink = createAlertSink({ webhookUrl: hook.url, attempts: 3, baseDelayMs: 10, logger });
    sink.alert(alert);
    await sink.close();
    expect(hook.received).toHaveLength(3);
    expect(lines.filter((l) => l.msg?.includes("answered 500"))).toHaveLength(3);
    expect(lines.at(-1)).toMatchObject({ event: "alert_not_delivered" });
  });

  it("without a webhook, the log line is the alert", async () => {
    const { logger, lines } = createMemoryLogger();
    const sink = createAlertSink({ webhookUrl: null, logger });
    sink.alert(alert);
    await sink.close();
    expect(lines).toHaveLength(1);
  });

  it("sends a coupon's first dead letter of a class at once, and the rest of the window as one summary", async () => {
    const hook = await webhook([204]);
    const sink = createAlertSink({ webhookUrl: hook.url, windowMs: 60_000 });
    for (let i = 1; i <= 50; i++)
      sink.alert(
        letter(String(i), { recordedAt: `2026-11-25T05:00:${String(i).padStart(2, "0")}.000Z` }),
      );
    // Another coupon, and another class of the same coupon: windows of their own.
    sink.alert(letter("51", { couponId: "43" }));
    sink.alert(letter("52", { errorClass: "InvalidJson" }));
    // Sent off the caller's path: nothing above waited for the webhook.
    await waitUntil(() => hook.received.length === 3, { what: "the three first alerts" });
    expect(hook.received.map((r) => (r.body as AlertMessage).event)).toEqual([
      "dead_letter",
      "dead_letter",
      "dead_letter",
    ]);
    await sink.close();
    expect(hook.received.map((r) => r.body)).toEqual([
      { event: "dead_letter", ...letter("1", { recordedAt: "2026-11-25T05:00:01.000Z" }) },
      { event: "dead_letter", ...letter("51", { couponId: "43" }) },
      { event: "dead_letter", ...letter("52", { errorClass: "InvalidJson" }) },
      {
        event: "dead_letters",
        couponId: "42",
        errorClass: "CouponNotFound",
        count: 49,
        deadLetterIds: Array.from({ length: 49 }, (_, i) => String(i + 2)),
        idsTruncated: false,
        firstRecordedAt: "2026-11-25T05:00:01.000Z",
        lastRecordedAt: "2026-11-25T05:00:50.000Z",
      },
    ]);
  });

  it("ends a window after windowMs: its summary is sent, and the next dead letter opens a new one", async () => {
    const hook = await webhook([204]);
    const sink = createAlertSink({ webhookUrl: hook.url, windowMs: 50, maxIdsPerSummary: 2 });
    for (const id of ["1", "2", "3", "4"]) sink.alert(letter(id));
    await waitUntil(() => hook.received.length === 2, { what: "the first alert and the summary" });
    expect(hook.received[1]?.body).toMatchObject({
      event: "dead_letters",
      count: 3,
      deadLetterIds: ["2", "3"],
      idsTruncated: true,
    });
    sink.alert(letter("5"));
    await sink.close();
    expect(hook.received[2]?.body).toMatchObject({ event: "dead_letter", deadLetterId: "5" });
  });

  it("holds a bounded queue when the webhook is slow, drops the oldest, and says how many", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const received: AlertMessage[] = [];
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", async () => {
        received.push(JSON.parse(body));
        await held;
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const { logger, lines } = createMemoryLogger();
    const sink = createAlertSink({
      webhookUrl: `http://127.0.0.1:${port}/hook`,
      maxQueued: 3,
      maxWindows: 100,
      logger,
    });
    // Twenty coupons' first dead letters while the webhook holds the first POST.
    for (let coupon = 1; coupon <= 20; coupon++)
      sink.alert(letter(String(coupon), { couponId: String(coupon) }));
    await waitUntil(() => received.length === 1, { what: "the first POST to arrive" });
    expect(lines.filter((l) => l.msg?.includes("alert queue full"))).toHaveLength(16);
    release();
    await sink.close();
    // The first (in flight), then the three newest; the first of those says sixteen were dropped.
    expect(received.map((m) => (m.event === "dead_letter" ? m.couponId : null))).toEqual([
      "1",
      "18",
      "19",
      "20",
    ]);
    expect(received[1]).toMatchObject({ droppedAlerts: 16 });
    expect(received[2]).not.toHaveProperty("droppedAlerts");
  });

  it("shares one window among the pairs beyond maxWindows: a flood of coupon ids opens no more", async () => {
    const hook = await webhook([204]);
    const sink = createAlertSink({ webhookUrl: hook.url, maxWindows: 2, windowMs: 60_000 });
    for (let i = 1; i <= 30; i++) sink.alert(letter(String(i), { couponId: String(1000 + i) }));
    await sink.close();
    expect(hook.received.map((r) => r.body)).toMatchObject([
      { event: "dead_letter", couponId: "1001" },
      { event: "dead_letter", couponId: "1002" },
      { event: "dead_letter", couponId: "1003" },
      { event: "dead_letters", errorClass: "(many)", couponId: null, count: 27 },
    ]);
  });

  it("windows error classes no worker writes as one, Other: a record header cannot make up more", async () => {
    const hook = await webhook([204]);
    const sink = createAlertSink({ webhookUrl: hook.url, windowMs: 60_000 });
    for (let i = 1; i <= 30; i++) sink.alert(letter(String(i), { errorClass: `Made-up-${i}` }));
    await sink.close();
    expect(hook.received.map((r) => r.body)).toMatchObject([
      // The first in full, its class as recorded.
      { event: "dead_letter", errorClass: "Made-up-1" },
      { event: "dead_letters", errorClass: "Other", couponId: "42", count: 29 },
    ]);
  });
});
