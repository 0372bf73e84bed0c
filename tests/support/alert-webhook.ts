import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface AlertWebhook {
  /** Where to point `ALERT_WEBHOOK_URL`. */
  url: string;
  /** Every alert received, in arrival order, as the JSON the control process posted. */
  alerts: Array<Record<string, unknown>>;
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
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A kept-alive connection of the control process must not hold the close open.
        server.closeAllConnections();
      }),
  };
}
