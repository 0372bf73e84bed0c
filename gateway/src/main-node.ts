// The gateway on Node: the same Web-standard app as on Deno, behind Node's http server.
// The one gateway module allowed Node's own APIs (the import-direction check enforces it).
import { readFileSync } from "node:fs";
import { exitWithSupervisor } from "#shared/http-kit/exit-with-supervisor.ts";
import { createLimitedServer } from "#shared/http-kit/limited-server.ts";
import { createPooledFetch } from "#shared/http-kit/pooled-fetch.ts";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";

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
