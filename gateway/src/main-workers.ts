// The gateway on Cloudflare Workers (workerd): the same Web-standard app as on Deno and Node, as a
// Worker's fetch handler. Locally `GATEWAY_RUNTIME=workers npm start` runs it in workerd (the stack
// bundles it with wrangler and writes workerd's config: stack/src/workers/); deployed, `wrangler
// deploy -c gateway/wrangler.json` uploads the same bundle. README, "The gateway on Workers".
import { env } from "cloudflare:workers";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";
import { workersClientAddress } from "./identity/client-address.ts";

/**
 * The Worker's string bindings as the environment the config module reads. A Worker has no address
 * of its own to listen on: without a HOST binding (set by the local stack to workerd's socket) it
 * counts as reachable from anywhere, so development mode and the development secrets are refused,
 * as on any public address.
 */
function bindingsAsEnv(bindings: Record<string, unknown>): Record<string, string> {
  const strings = Object.entries(bindings).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  return { HOST: "0.0.0.0", ...Object.fromEntries(strings) };
}

// Read while the module loads: a refusal throws here, and workerd exits 1 (a deploy is refused) with
// the one line loadGatewayConfig printed, as the other entries do.
const config = loadGatewayConfig(bindingsAsEnv(env), () => {
  throw new Error("gateway did not start (the reason is on the line above)");
});
const app = createGatewayApp(config);

export default {
  fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, { clientAddress: workersClientAddress(request) });
  },
};
