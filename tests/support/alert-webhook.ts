import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface AlertWebhook {
  /** Where to point `ALERT_WEBHOOK_URL`. */
  url: string;
  /** Every alert received, in arrival order, as the JSON the control process posted. */
  alerts: Array<Record<string, unknown>>;
  /**
   * The ids of every dead letter alerted so far (of `alerts.slice(from)`): a first one's own
   * `deadLetterId`, and the `deadLetterIds` of a summary of the ones after it (alert-sink.ts).
   */
  alertedIds(from?: number): string[];
  close(): Promise<void>;
}

/** A webhook of the test's own that answers 204 and keeps what the DLT monitor alerts. */
export async function startAlertWebhook(): Promise<AlertWebhook> {
  const alerts: Array<Record<string, unknown>> = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      alerts.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    alerts,
    alertedIds: (from = 0) =>
      alerts
        .slice(from)
        .flatMap((alert) =>
          alert.event === "dead_letters"
            ? (alert.deadLetterIds as unknown[]).map(String)
            : [String(alert.deadLetterId)],
        ),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A kept-alive connection of the control process must not hold the close open.
        server.closeAllConnections();
      }),
  };
}
