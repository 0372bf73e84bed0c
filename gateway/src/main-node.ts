// The gateway on Node: the same Web-standard app as on Deno, behind Node's http server.
// The one gateway module allowed Node's own APIs (the import-direction check enforces it).
import { readFileSync } from "node:fs";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { GATEWAY_DEFAULTS } from "#shared/defaults.ts";
import { exitWithSupervisor } from "#shared/http-kit/exit-with-supervisor.ts";
import { createLimitedServer } from "#shared/http-kit/limited-server.ts";
import { createPooledFetch } from "#shared/http-kit/pooled-fetch.ts";
import { pathOf } from "#shared/http-kit/request-path.ts";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";
import { refusalResponse } from "./websocket/use-websocket-upgrade.ts";

const config = loadGatewayConfig(process.env, process.exit, {
  readTextFile: (path) => readFileSync(path, "utf8"),
});
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
const server = createLimitedServer(
  (req, res) => app.yoga(req, res, { clientAddress: req.socket.remoteAddress }),
  config.httpLimits,
);

// GraphQL over WebSocket. Node hands an upgrade request to the server's 'upgrade' event with the
// raw socket, never to the request listener, so it cannot pass Yoga's plugin chain as it does on
// Deno and Workers: it is checked (host, origin, subprotocol) and served by the same module as there
// (websocket/graphql-ws-connections.ts), `ws` doing only the handshake and the frames. The upgrade's
// headers are read under the server's headers timeout, and the socket counts against
// maxConnections as long as it is open.
const webSocketServer = new WebSocketServer({
  noServer: true,
  // Frames above the body limit are refused by `ws` while they arrive, before they are buffered.
  maxPayload: config.maxBodyBytes,
  handleProtocols: (protocols) => app.webSockets.protocolOf(offered(protocols)) ?? false,
});
server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on("error", () => socket.destroy());
  const headers = new Headers(req.headers as HeadersInit);
  // The host check first, as the chain's first plugin does for every other request.
  const misdirected = app.hostCheck(req.headers.host ?? "", headers);
  if (misdirected) {
    void refuseUpgrade(socket, misdirected);
    return;
  }
  const path = pathOf(req.url ?? "/");
  const refusal =
    path === "/graphql"
      ? app.webSockets.refusal({ headers })
      : { status: 404, message: "GraphQL over WebSocket is served at /graphql" };
  if (refusal) {
    void refuseUpgrade(socket, refusalResponse(refusal));
    return;
  }
  webSocketServer.handleUpgrade(req, socket, head, (webSocket) => {
    keepAlive(webSocket);
    app.webSockets.accept(webSocket, {
      url: `http://${req.headers.host ?? `${config.host}:${config.port}`}${req.url ?? "/"}`,
      headers,
      clientAddress: req.socket.remoteAddress,
    });
  });
});

function offered(protocols: Set<string>): { headers: Pick<Headers, "get"> } {
  const list = [...protocols].join(", ");
  return { headers: { get: (name) => (name === "sec-websocket-protocol" ? list : null) } };
}

/** A refused upgrade answered as HTTP on the raw socket, which then closes. */
async function refuseUpgrade(socket: Duplex, response: Response): Promise<void> {
  const body = await response.text();
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`,
    ...[...response.headers].map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}

/**
 * A peer that vanished without a close (a pulled cable, a sleeping laptop) is found by a ping the
 * next interval left unanswered, and its socket, slot and Redis stream are freed.
 */
function keepAlive(webSocket: WebSocket, intervalMs = 15_000): void {
  let answered = true;
  webSocket.on("pong", () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return webSocket.terminate();
    answered = false;
    webSocket.ping();
  }, intervalMs);
  webSocket.once("close", () => clearInterval(timer));
}

server.listen(config.port, config.host, () => {
  console.log(`gateway (node) listening on http://${config.host}:${config.port}/graphql`);
});

function shutdown() {
  // WebSockets are told to go away (1001) and close; as open sockets they would hold the close.
  app.webSockets.closeAll();
  server.close(() => process.exit(0));
  // Open SSE streams would hold the close forever; in-flight mutations get a moment to finish. So
  // would a WebSocket whose peer never answers the close (upgraded sockets are no longer the http
  // server's connections, which closeAllConnections ends).
  setTimeout(() => {
    server.closeAllConnections();
    for (const webSocket of webSocketServer.clients) webSocket.terminate();
  }, GATEWAY_DEFAULTS.shutdownGraceMs).unref();
  server.closeIdleConnections();
}
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
exitWithSupervisor();
