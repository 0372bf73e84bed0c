// The gateway on Node: the same Web-standard app as on Deno, behind Node's http server.
// Lives outside gateway/ because it is the one place that needs Node's own APIs.
import { createServer } from "node:http";
import { createGatewayApp } from "../../gateway/src/app.ts";
import { readGatewayConfig } from "../../gateway/src/config.ts";

const config = readGatewayConfig(process.env);
const app = createGatewayApp(config, {
  // Fault injection for the test suite only: die between admission and produce, as a crash would.
  afterAdmission:
    process.env.FAULT_CRASH_AFTER_ADMISSION === "1"
      ? async () => {
          process.kill(process.pid, "SIGKILL");
        }
      : undefined,
});
const server = createServer(app);
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
