// The gateway on Deno: `deno run --node-modules-dir=manual --allow-net --allow-env --allow-read gateway/src/main-deno.ts`
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";

const config = loadGatewayConfig(Deno.env.toObject(), Deno.exit);
// Deno.serve has no header or request timeout, keep-alive setting or connection cap to set
// (config.httpLimits apply to the Node entry): in production, a reverse proxy in front enforces
// them. The limits inside the app (body size, operation shape, subscriptions) hold here as well.
const app = createGatewayApp(config);
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
    controller.abort();
  });
}
await server.finished;
