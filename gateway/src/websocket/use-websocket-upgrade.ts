import type { Plugin } from "graphql-yoga";
import { requestRefusal } from "../protection/request-refusal.ts";
import type {
  GraphqlWsConnections,
  UpgradeRefusal,
  UpgradeRequest,
  WebSocketLike,
} from "./graphql-ws-connections.ts";

/**
 * A runtime's own WebSocket upgrade: the 101 answer to send, and the server's end of the socket.
 * Deno: `Deno.upgradeWebSocket(request, { protocol })`; Workers: a `WebSocketPair`.
 */
export type WebSocketUpgrade = (
  request: Request,
  protocol: string,
) => { response: Response; socket: WebSocketLike };

export interface WebSocketUpgradeOptions {
  /** The runtime's upgrade (its entry point passes it in). */
  upgrade: WebSocketUpgrade;
  connections: GraphqlWsConnections;
  /** Yoga's GraphQL endpoint: WebSockets are served there and nowhere else. */
  endpoint: string;
  /** The peer's address and the like, from the server context the entry handed Yoga. */
  requestOf: (
    request: Request,
    serverContext: Record<string, unknown>,
  ) => Omit<UpgradeRequest, "headers">;
}

/**
 * GraphQL over WebSocket at the GraphQL endpoint, as a step of the one plugin chain: an upgrade
 * request passes the plugins before this one (metrics, body limit), is checked (origin,
 * subprotocol), and is answered with the runtime's 101; the socket then speaks graphql-ws
 * (graphql-ws-connections.ts). Any other request goes on to the rest of the chain untouched.
 */
export function useWebSocketUpgrade({
  upgrade,
  connections,
  endpoint,
  requestOf,
}: WebSocketUpgradeOptions): Plugin {
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return;
      if (url.pathname !== endpoint) return;
      const refusal = connections.refusal(request);
      if (refusal) return endResponse(refusalResponse(refusal));
      const protocol = connections.protocolOf(request) as string;
      // Read before the upgrade: Deno closes the request once it is upgraded.
      const described = requestOf(request, serverContext as Record<string, unknown>);
      const upgradeRequest = { ...described, headers: new Headers(request.headers) };
      const { response, socket } = upgrade(request, protocol);
      connections.accept(socket, upgradeRequest);
      endResponse(response);
    },
  };
}

/** A refused upgrade as an HTTP answer, in GraphQL's error shape like the gateway's other refusals. */
export function refusalResponse({ status, message }: UpgradeRefusal): Response {
  return requestRefusal(status, message, "WEBSOCKET_REFUSED");
}
