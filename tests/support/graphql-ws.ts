/**
 * GraphQL over WebSocket for tests: operations through graphql-ws's own client (`createClient`,
 * Node's global WebSocket), and a raw socket for what a well-behaved client never sends.
 */
import { request } from "node:http";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import { type Client, createClient } from "graphql-ws";

export type WsResult = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** How one operation went: its results, and what ended it when it was not a `complete`. */
export interface WsOutcome {
  results: WsResult[];
  /** The protocol's `error` message: refused before it ran (parse, validation, trusted documents). */
  refused?: GraphQLFormattedError[];
  /** The close that ended it (a refused connection: 4403, ...). */
  closed?: CloseEvent;
}

/** A graphql-ws client that never retries: a test sees the first close as it came. */
export function wsClient(url: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url, connectionParams, retryAttempts: 0 });
}

/** Every result of one operation until it completes, or what ended it otherwise. */
export function runOverWs(
  client: Client,
  query: string,
  extra: { variables?: Record<string, unknown>; extensions?: Record<string, unknown> } = {},
  onResult?: (result: WsResult) => void,
): { outcome: Promise<WsOutcome>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const outcome = new Promise<WsOutcome>((resolve) => {
    const results: WsResult[] = [];
    cancel = client.subscribe(
      { query, ...extra },
      {
        next: (result) => {
          results.push(result);
          onResult?.(result);
        },
        error: (error) =>
          resolve(
            Array.isArray(error)
              ? { results, refused: error as GraphQLFormattedError[] }
              : { results, closed: error as CloseEvent },
          ),
        complete: () => resolve({ results }),
      },
    );
  });
  return { outcome, cancel };
}

/** The codes of every error an operation met, whichever way they came. */
export function errorCodes({ results, refused = [] }: WsOutcome): unknown[] {
  return [
    ...refused.map((error) => error.extensions?.code),
    ...results.flatMap((result) => result.errors?.map((error) => error.extensions?.code) ?? []),
  ];
}

/** An open socket speaking graphql-transport-ws, and the close code it will end with. */
export async function rawGraphqlWsSocket(url: string) {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener("close", (event) => resolve(event.code)),
  );
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  return { socket, closed };
}

/** The ws:// URL of a gateway's http:// GraphQL endpoint. */
export function webSocketUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/^http/, "ws");
}

/**
 * The HTTP status a WebSocket upgrade is answered with (101 when accepted): the WebSocket API
 * reports a refused handshake only as an error, without its status.
 */
export function upgradeStatus(
  graphqlUrl: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const upgrade = request(graphqlUrl, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": btoa("a sixteen bytes!"),
        ...headers,
      },
    });
    upgrade.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    upgrade.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    upgrade.on("error", reject);
    upgrade.end();
  });
}
