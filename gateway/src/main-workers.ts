// The gateway on Cloudflare Workers (workerd): the same Web-standard app as on Deno and Node, as a
// Worker's fetch handler. Locally `GATEWAY_RUNTIME=workers npm start` runs it in workerd (the stack
// bundles it with wrangler and writes workerd's config: stack/src/workers/); deployed, `wrangler
// deploy -c gateway/wrangler.json` uploads the same bundle. README, "The gateway on Workers".
import { env } from "cloudflare:workers";
import { createGatewayApp } from "./app.ts";
import { loadGatewayConfig, workerBindingsAsEnv } from "./config.ts";
import { workersClientAddress } from "./identity/client-address.ts";
import type { WebSocketLike } from "./websocket/graphql-ws-connections.ts";

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
// graphql-sse's single-connection mode keeps its streams in one process's memory, and a Worker's
// requests need not meet in one isolate (nor may one finish another's I/O): not served here.
const app = createGatewayApp(config, {
  singleConnectionSse: false,
  upgradeWebSocket: upgradeOnWorkers,
});

/** The server's end of a Workers WebSocket: Web-standard, plus `accept()` to serve it here. */
type WorkersWebSocket = WebSocketLike & { accept(): void };

/**
 * A Workers upgrade: a `WebSocketPair`, the server end accepted here (its messages handled in this
 * request's context, which stays alive while the socket is open), the client end in the 101.
 * Declared here rather than pulling in @cloudflare/workers-types for two globals.
 */
function upgradeOnWorkers(_request: Request, protocol: string) {
  const { WebSocketPair } = globalThis as unknown as {
    WebSocketPair: new () => { 0: WebSocket; 1: WorkersWebSocket };
  };
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const init = { status: 101, webSocket: client, headers: { "sec-websocket-protocol": protocol } };
  return { response: new Response(null, init), socket: server };
}

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
