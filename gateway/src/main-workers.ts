// The gateway on Cloudflare Workers (workerd): the same Web-standard app as on Deno and Node, as a
// Worker's fetch handler. Locally `GATEWAY_RUNTIME=workers npm start` runs it in workerd (the stack
// bundles it with wrangler and writes workerd's config: stack/src/workers/); deployed, `wrangler
// deploy -c gateway/wrangler.json` uploads the same bundle. README, "The gateway on Workers".
import { env } from "cloudflare:workers";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig, workerBindingsAsEnv } from "./config.ts";
import { workersClientAddress } from "./identity/client-address.ts";

// A Worker has no file system: a trusted-documents manifest comes as the text of the
// TRUSTED_DOCUMENTS_MANIFEST binding (a variable or secret), and TRUSTED_DOCUMENTS_FILE is refused.
// Read while the module loads: a refusal throws here, and workerd exits 1 (a deploy is refused) with
// the one line loadGatewayConfig printed, as the other entries do.
// No coalescing across requests (COALESCE_IN_FLIGHT=0): a Worker may not finish one request with
// I/O started by another, and workerd cancels a request that waits on another's call as hung. Each
// press makes its own calls, as concurrent requests in separate isolates would anyway.
const config = loadGatewayConfig({ ...workerBindingsAsEnv(env), COALESCE_IN_FLIGHT: "0" }, () => {
  throw new Error("gateway did not start (the reason is on the line above)");
});
const app = createGatewayApp(config);

/** The part of a Worker's ExecutionContext the gateway hands on. */
interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  fetch(request: Request, _env: unknown, ctx: WorkerContext): Response | Promise<Response> {
    return app.fetch(request, {
      clientAddress: workersClientAddress(request),
      // Work Yoga finishes after the response (a plugin's cleanup) keeps the Worker alive for it.
      waitUntil: (promise) => ctx.waitUntil(Promise.resolve(promise)),
    });
  },
};
