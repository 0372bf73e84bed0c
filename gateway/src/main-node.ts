// The gateway on Node: the same Web-standard app as on Deno, behind Node's http server.
// The one gateway module allowed Node's own APIs (the import-direction check enforces it).
import type { IncomingMessage, ServerResponse } from "node:http";
import { exitWithSupervisor } from "#shared/http-kit/exit-with-supervisor.ts";
import { createLimitedServer } from "#shared/http-kit/limited-server.ts";
import { createPooledFetch } from "#shared/http-kit/pooled-fetch.ts";
import { createGatewayApp, pathOf } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";

const config = loadGatewayConfig(process.env, process.exit);
// The Upstash clients and the internal API client call the global fetch, and Node's costs three
// times the CPU of undici's pools for their small JSON calls (shared/src/http-kit/pooled-fetch.ts).
globalThis.fetch = createPooledFetch({ fallback: globalThis.fetch });
// Fault injection for the test suite only (FAULT_INJECTION=1): SIGUSR2 arms a crash that strikes
// the next admission between Redis and Kafka, as a power cut would.
const faultInjection = process.env.FAULT_INJECTION === "1";
let crashArmed = false;
if (faultInjection) process.on("SIGUSR2", () => (crashArmed = true));
const app = createGatewayApp(config, {
  afterAdmission: faultInjection
    ? async () => {
        if (crashArmed) process.kill(process.pid, "SIGKILL");
      }
    : undefined,
});
// Header, request and keep-alive timeouts and a connection cap: a slow client cannot hold sockets.
// The peer's address travels beside the request as server context (the rate limit counts it).
const server = createLimitedServer((req, res) => {
  const context = { clientAddress: req.socket.remoteAddress };
  const headers = nodeHeaders(req);
  if (app.pressFastPath.mayBePress(req.method ?? "", pathOf(req.url ?? "/"), headers))
    void answerPress(req, res, headers, context);
  else app.yoga(req, res, context);
}, config.httpLimits);

/**
 * A press straight from Node's request to Node's response, without a Web Request and Response in
 * between (on Node each costs more than the press itself). What the fast path declines goes to
 * Yoga as the Web Request it would have made, with the body already read.
 */
async function answerPress(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Pick<Headers, "get">,
  context: { clientAddress?: string },
): Promise<void> {
  try {
    const body = await readBody(req);
    const answer = await app.pressFastPath.answer({ headers, body, ...context });
    if (answer !== null) {
      const length = Buffer.byteLength(answer.body);
      res
        .writeHead(answer.status, { ...answer.headers, "content-length": length })
        .end(answer.body);
      return;
    }
    const url = `http://${req.headers.host ?? `${config.host}:${config.port}`}${req.url ?? "/"}`;
    const response = await app.yoga.fetch(
      new Request(url, { method: req.method, headers: req.headers as HeadersInit, body }),
      context,
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    // The client went away mid-body, or a bug: nothing was admitted that the caller will not hear of.
    if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
    res.end();
    if (!(error instanceof BodyAbortedError)) console.error("press failed", error);
  }
}

class BodyAbortedError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("aborted", () => reject(new BodyAbortedError("request aborted")));
    req.on("error", reject);
  });
}

/** Node's lower-cased header object seen as `Headers.get`: repeated headers joined as fetch does. */
function nodeHeaders(req: IncomingMessage): Pick<Headers, "get"> {
  return {
    get(name) {
      const value = req.headers[name];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

server.listen(config.port, config.host, () => {
  console.log(`gateway (node) listening on http://${config.host}:${config.port}/graphql`);
});

function shutdown() {
  server.close(() => process.exit(0));
  // Open SSE streams would hold the close forever; in-flight mutations get a moment to finish.
  setTimeout(() => server.closeAllConnections(), 2000).unref();
  server.closeIdleConnections();
}
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
exitWithSupervisor();
