import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryLogger } from "#shared/logging/memory-logger.ts";
import { createAlertSink, type DeadLetterAlert } from "./alert-sink.ts";

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

describe("alert sink", () => {
  it("logs a structured line and POSTs the alert, retrying until the webhook takes it", async () => {
    const hook = await webhook([503, 503, 204]);
    const { logger, lines } = createMemoryLogger();
    const send = createAlertSink({ webhookUrl: hook.url, baseDelayMs: 10, logger });
    expect(await send(alert)).toBe(true);
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
    const send = createAlertSink({ webhookUrl: hook.url, attempts: 3, baseDelayMs: 10, logger });
    expect(await send(alert)).toBe(false);
    expect(hook.received).toHaveLength(3);
    expect(lines.filter((l) => l.msg?.includes("answered 500"))).toHaveLength(3);
  });

  it("without a webhook, the log line is the alert", async () => {
    const { logger, lines } = createMemoryLogger();
    expect(await createAlertSink({ webhookUrl: null, logger })(alert)).toBe(true);
    expect(lines).toHaveLength(1);
  });
});
