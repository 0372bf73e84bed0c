import { createServer, request as httpRequest, type Server } from "node:http";
import { freePort } from "./system.ts";

/**
 * An HTTP forwarder in front of the control process's internal API that counts the calls the
 * gateway makes: each is a PostgreSQL read or write on the other side. Start it (`listen`) before
 * the system, give the gateway its URL as `INTERNAL_API_URL`, then `forwardTo` the control process.
 */
export function createCountingForwarder() {
  let target: URL | undefined;
  const requests: string[] = [];
  let server: Server | undefined;
  return {
    /** Calls so far. */
    get calls() {
      return requests.length;
    },
    /** Each call so far as `METHOD /path`. */
    get requests(): readonly string[] {
      return requests;
    },
    async listen() {
      const port = await freePort();
      server = createServer((incoming, outgoing) => {
        requests.push(`${incoming.method} ${incoming.url}`);
        if (!target) {
          outgoing.writeHead(503).end();
          return;
        }
        const upstream = httpRequest(
          new URL(incoming.url ?? "/", target),
          { method: incoming.method, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        upstream.on("error", () => outgoing.writeHead(502).end());
        incoming.pipe(upstream);
      });
      await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
      return `http://127.0.0.1:${port}`;
    },
    forwardTo(url: string) {
      target = new URL(url);
    },
    close() {
      return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

export type CountingForwarder = ReturnType<typeof createCountingForwarder>;
