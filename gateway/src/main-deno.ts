// The gateway on Deno: `deno run --unstable-no-legacy-abort --node-modules-dir=manual --allow-net --allow-env --allow-read gateway/src/main-deno.ts`
// (--unstable-no-legacy-abort: request.signal aborts when the client goes away, not after every
// answer, which is what the subscriptions' cleanup expects; without it Deno warns at start).
import { GATEWAY_DEFAULTS, ORPHAN_EXIT_GRACE_MS } from "#shared/defaults.ts";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";

const config = loadGatewayConfig(Deno.env.toObject(), Deno.exit, {
  readTextFile: (path) => Deno.readTextFileSync(path),
});
// Deno.serve has no header or request timeout, keep-alive setting or connection cap to set
// (config.httpLimits apply to the Node entry): in production, a reverse proxy in front enforces
// them. The limits inside the app (body size, operation shape, subscriptions) hold here as well.
// GraphQL over WebSocket: Deno's upgrade is a Request-to-Response step, made by the plugin chain.
const app = createGatewayApp(config, {
  upgradeWebSocket: (request, protocol) => Deno.upgradeWebSocket(request, { protocol }),
});
const controller = new AbortController();
const server = Deno.serve(
  {
    port: config.port,
    hostname: config.host,
    signal: controller.signal,
    onListen: () =>
      console.log(`gateway (deno) listening on http://${config.host}:${config.port}/graphql`),
  },
  // The peer's address travels beside the Request: Web-standard Requests do not carry it.
  (request, info) => app.fetch(request, { clientAddress: info.remoteAddr.hostname }),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    // Open WebSockets would hold the server's end forever; their clients are told to go elsewhere.
    app.webSockets.closeAll();
    controller.abort();
    // Deno's server waits for every connection it holds, an open SSE stream or an idle keep-alive
    // connection too: what has not finished by the deadline is cut, as on Node.
    Deno.unrefTimer(setTimeout(() => Deno.exit(0), GATEWAY_DEFAULTS.shutdownGraceMs));
  });
}
// Under the launcher, stdin is a pipe nothing is written to: its end means the launcher is gone,
// however it ended (SIGKILL too), so the gateway stops instead of holding its port as an orphan
// (shared/src/http-kit/exit-with-supervisor.ts does the same for the Node processes).
if (Deno.env.get("EXIT_ON_STDIN_EOF") === "1") {
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) {
        // nothing is written; only the end matters
      }
    } catch {
      // a broken pipe ends it the same way
    }
    console.error("supervisor gone (stdin closed): shutting down");
    app.webSockets.closeAll();
    controller.abort();
    // Unref'd: a gateway that stops by itself exits at once; one held up exits at the deadline.
    Deno.unrefTimer(setTimeout(() => Deno.exit(1), ORPHAN_EXIT_GRACE_MS));
  })();
}
await server.finished;
