import { type ExecutionArgs, type ExecutionResult, GraphQLError } from "graphql";
import {
  CloseCode,
  type Context,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  handleProtocols,
  makeServer,
} from "graphql-ws";
import type { MaskError, YogaInitialContext, YogaLogger, YogaServerInstance } from "graphql-yoga";
import { z } from "zod";
import { InvalidTokenError } from "../identity/invalid-token-error.ts";
import type { ResolveCaller } from "../identity/resolve-caller.ts";
import type { OperationParams } from "../protection/trusted-documents.ts";

/**
 * The part of a WebSocket the protocol needs, as the Web standard names it: Deno's
 * `Deno.upgradeWebSocket` socket, the server end of a Workers `WebSocketPair`, and the `ws`
 * package's WebSocket on Node all are one. Text frames arrive as strings on all three.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: "close",
    listener: (event: { code: number; reason: string | { toString(): string } }) => void,
  ): void;
}

/** The upgrade request as every runtime can describe it. */
export interface UpgradeRequest {
  url: string;
  headers: Pick<Headers, "get" | "forEach">;
  /** The socket's peer address (the per-address rate limit counts it, as over HTTP). */
  clientAddress?: string;
}

/** An upgrade refused before the handshake: the HTTP status and a line saying what to do. */
export interface UpgradeRefusal {
  status: number;
  message: string;
}

/** The initial context Yoga's `context` factory reads (app.ts): what an HTTP request hands it. */
type OperationContext = YogaInitialContext & { clientAddress?: string };

export interface GraphqlWsConnectionsOptions {
  /** The app's Yoga: each operation runs through its envelop (schema, limits, masking). */
  yoga: () => Pick<
    YogaServerInstance<Record<string, unknown>, Record<string, unknown>>,
    "getEnveloped"
  >;
  /** The HTTP path's own: a refused token refuses the connection. */
  resolveCaller: ResolveCaller;
  /** The trusted-documents rule (protection/trusted-documents.ts), which Yoga's envelop does not run. */
  trustedParams: (params: OperationParams) => Promise<OperationParams>;
  /** Yoga's `maskedErrors.maskError` and `logging`: errors shown as over HTTP. */
  errors: { maskError: MaskError; logger: YogaLogger };
  /** Origins a browser may connect from; empty: any (identity never rides on a cookie). */
  corsOrigins: readonly string[];
  /** A socket that sends no `connection_init` in time is closed 4408. Default 3 s (graphql-ws's). */
  connectionInitWaitTimeoutMs?: number;
  /**
   * A socket with no operation running is closed (1000) after this long, as an idle keep-alive
   * connection is: graphql-ws clients are lazy by default and connect again when they need to.
   */
  idleTimeoutMs: number;
  /** Largest message; a larger one closes the socket 1009 before it is parsed. */
  maxMessageBytes: number;
}

/** What the gateway keeps of a socket between its messages. */
interface SocketExtra {
  request: UpgradeRequest;
  /** The upgrade's headers with the identity from `connectionParams`: what each operation reads. */
  headers: Headers;
  /** Each running operation's abort: the subscription's cleanup, as a client gone is over HTTP. */
  operations: Map<string, AbortController>;
  /** Restarted whenever the last operation ends. */
  idle: () => void;
}

/** `connectionParams` as clients send them: `authorization`, or `x-user-id` in development mode. */
const connectionParamsSchema = z
  .record(z.string(), z.unknown())
  .optional()
  .transform((params) => {
    const named = (name: string) =>
      Object.entries(params ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
    return { authorization: named("authorization"), userId: named("x-user-id") };
  });

const WEBSOCKET_UPGRADE_REQUIRED: UpgradeRefusal = {
  status: 400,
  message: `offer the WebSocket subprotocol ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (graphql-ws)`,
};

/**
 * GraphQL over WebSocket (graphql-ws's protocol, subprotocol `graphql-transport-ws`), once for
 * every runtime: each entry point only upgrades the request its way and hands the socket to
 * `accept`. The protocol is graphql-ws's own server (`makeServer`); the operations run through the
 * app's Yoga envelop, so schema, operation limits, introspection rule and error masking are the
 * HTTP path's; identity comes from `connectionParams` through the HTTP path's `resolveCaller`, and
 * a refused token closes the connection 4403.
 */
export function createGraphqlWsConnections({
  yoga,
  resolveCaller,
  trustedParams,
  errors,
  corsOrigins,
  connectionInitWaitTimeoutMs = 3000,
  idleTimeoutMs,
  maxMessageBytes,
}: GraphqlWsConnectionsOptions) {
  const allowedOrigins = new Set(corsOrigins);
  const open = new Set<WebSocketLike>();
  // Each operation's executor, from the getEnveloped call that built its context.
  const executors = new WeakMap<object, ReturnType<ReturnType<typeof yoga>["getEnveloped"]>>();

  const server = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
    async onConnect(ctx) {
      const params = connectionParamsSchema.safeParse(ctx.connectionParams);
      if (!params.success) return false;
      const { authorization, userId } = params.data;
      const headers = identityHeaders(ctx.extra.request.headers);
      if (authorization !== undefined) {
        if (typeof authorization !== "string") return false;
        headers.set("authorization", authorization);
      }
      if (typeof userId === "string" || typeof userId === "number")
        headers.set("x-user-id", String(userId));
      try {
        await resolveCaller({ headers });
      } catch (error) {
        // A token that fails refuses the connection (4403), as it refuses a request over HTTP (401);
        // anything else (the key set unreachable) is the server's trouble, closed 4500 below.
        if (error instanceof InvalidTokenError) return false;
        throw error;
      }
      ctx.extra.headers = headers;
      return true;
    },
    async onSubscribe(ctx, id, payload) {
      const controller = new AbortController();
      ctx.extra.operations.set(id, controller);
      ctx.extra.idle();
      try {
        const params = await trustedParams(payload);
        // Each operation its own Request, as each is its own over HTTP: the same headers for
        // resolveCaller and the rate limit's address, and a signal that ends with the operation.
        // POST, as the operation would be over HTTP: Yoga serves no mutation over GET.
        const request = new Request(ctx.extra.request.url, {
          method: "POST",
          headers: ctx.extra.headers,
          signal: controller.signal,
        });
        const initial: OperationContext = {
          request,
          params: {
            query: params.query,
            operationName: params.operationName ?? undefined,
            variables: params.variables ?? undefined,
            extensions: params.extensions ?? undefined,
          },
          clientAddress: ctx.extra.request.clientAddress,
          waitUntil: ignoreLater,
        };
        const enveloped = yoga().getEnveloped(initial);
        const document = enveloped.parse(params.query ?? "");
        const invalid = enveloped.validate(enveloped.schema, document);
        if (invalid.length > 0) return endOperation(ctx, id, [...invalid]);
        const contextValue = await enveloped.contextFactory();
        executors.set(contextValue, enveloped);
        return {
          schema: enveloped.schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue,
        } satisfies ExecutionArgs;
      } catch (error) {
        return endOperation(ctx, id, shownErrors(error));
      }
    },
    execute: (args) => executorOf(args).execute(args),
    subscribe: (args) => executorOf(args).subscribe(args),
    onOperation(ctx, id, _payload, _args, result) {
      if (!isAsyncIterable(result)) return;
      return streamOf(result, () => ctx.extra.operations.get(id)?.abort());
    },
    onNext: (_ctx, _id, _payload, _args, result) => withPublicErrors(result),
    onError: (_ctx, _id, _payload, list) => list.map(publicError),
    onComplete(ctx, id) {
      ctx.extra.operations.get(id)?.abort();
      ctx.extra.operations.delete(id);
      ctx.extra.idle();
    },
  });

  /** An error as Yoga shows it over HTTP (its `handleError`): masked, and logged when it was. */
  function shownErrors(error: unknown): GraphQLError[] {
    const masked = errors.maskError(error, "Unexpected error.");
    if (masked !== error) errors.logger.error(error);
    return [
      masked instanceof GraphQLError
        ? masked
        : new GraphQLError(masked.message, { originalError: masked }),
    ];
  }

  function executorOf(args: ExecutionArgs) {
    const enveloped = executors.get(args.contextValue as object);
    if (!enveloped) throw new Error("an operation without its envelop");
    return enveloped;
  }

  /** A refused operation: the client hears the errors, and the socket's idle clock restarts. */
  function endOperation(
    ctx: Context<Record<string, unknown> | undefined, SocketExtra>,
    id: string,
    list: GraphQLError[],
  ) {
    ctx.extra.operations.delete(id);
    ctx.extra.idle();
    return list;
  }

  /**
   * The map from an iterator's failure to a last result with the masked error, as Yoga does over
   * SSE (graphql-ws would send only the message, without its code); and the operation's signal
   * aborted when the client completes it or goes away (`return`), which ends a subscription waiting
   * on Redis at once instead of at its next change.
   */
  function streamOf(
    source: AsyncIterable<ExecutionResult>,
    abort: () => void,
  ): AsyncIterableIterator<ExecutionResult> {
    const iterator = source[Symbol.asyncIterator]();
    let failed = false;
    const stream: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        if (failed) return { done: true, value: undefined };
        try {
          return await iterator.next();
        } catch (error) {
          failed = true;
          return { done: false, value: { errors: shownErrors(error) } };
        }
      },
      async return() {
        abort();
        return (await iterator.return?.()) ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => stream,
    };
    return stream;
  }

  /** Refuses an upgrade before the handshake: a browser page from an origin not allowed, a client not speaking graphql-ws. */
  function refusal(request: { headers: Pick<Headers, "get"> }): UpgradeRefusal | null {
    const origin = request.headers.get("origin");
    if (origin !== null && allowedOrigins.size > 0 && !allowedOrigins.has(origin))
      return { status: 403, message: `origin ${origin} may not connect (CORS_ORIGINS)` };
    if (protocolOf(request) === null) return WEBSOCKET_UPGRADE_REQUIRED;
    return null;
  }

  /** The subprotocol to answer with: graphql-ws's, when the client offered it. */
  function protocolOf(request: { headers: Pick<Headers, "get"> }): string | null {
    const offered = request.headers.get("sec-websocket-protocol");
    return (offered !== null && handleProtocols(offered)) || null;
  }

  /** Serves graphql-ws on an upgraded socket; `request` is the upgrade it came with. */
  function accept(socket: WebSocketLike, request: UpgradeRequest): void {
    open.add(socket);
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const extra: SocketExtra = {
      request,
      headers: identityHeaders(request.headers),
      operations: new Map(),
      idle() {
        clearTimeout(idleTimer);
        idleTimer = undefined;
        if (extra.operations.size > 0 || !open.has(socket)) return;
        idleTimer = setTimeout(() => socket.close(1000, "idle"), idleTimeoutMs);
      },
    };
    let onMessage: ((data: string) => Promise<void>) | undefined;
    const start = () => {
      const closed = server.opened(
        {
          protocol: protocolOf(request) ?? "",
          send: (data) => {
            if (socket.readyState === OPEN) socket.send(data);
          },
          close: (code, reason) => socket.close(code, reason),
          onMessage: (cb) => {
            onMessage = cb;
          },
        },
        extra,
      );
      extra.idle();
      socket.addEventListener("close", (event) => {
        open.delete(socket);
        clearTimeout(idleTimer);
        for (const controller of extra.operations.values()) controller.abort();
        void closed(event.code, String(event.reason));
      });
    };
    socket.addEventListener("message", (event) => {
      const text = messageText(event.data);
      if (text === null || tooLarge(text, maxMessageBytes)) {
        socket.close(1009, `messages are limited to ${maxMessageBytes} bytes`);
        return;
      }
      onMessage?.(text).catch((error: unknown) => {
        errors.logger.error(error);
        // graphql-ws's own close code for a failure on the server's side.
        socket.close(CloseCode.InternalServerError, "Internal server error");
      });
    });
    // Deno hands the socket over before the handshake is done; the others open.
    if (socket.readyState === CONNECTING) socket.addEventListener("open", start);
    else start();
  }

  return {
    refusal,
    protocolOf,
    accept,
    /** Closes every socket (1001 Going Away): the process is shutting down. */
    closeAll(): void {
      for (const socket of open) socket.close(1001, "server shutting down");
    },
    /** Sockets open now. */
    get open(): number {
      return open.size;
    },
  };
}

export type GraphqlWsConnections = ReturnType<typeof createGraphqlWsConnections>;

/**
 * Work a plugin finishes after an answer: a socket's process stays alive while it is open (on
 * Workers too: the upgrade's request lives as long as its socket), so nothing needs holding.
 */
const ignoreLater: YogaInitialContext["waitUntil"] = (promise) => {
  void Promise.resolve(promise).catch(() => undefined);
};

const CONNECTING = 0;
const OPEN = 1;

/**
 * The upgrade's headers without any identity of their own: over WebSocket the caller is who
 * `connectionParams` names (a browser cannot set headers on an upgrade, and a cookie never counts).
 */
function identityHeaders(upgrade: Pick<Headers, "forEach">): Headers {
  const headers = new Headers();
  upgrade.forEach((value, name) => {
    if (name !== "authorization" && name !== "x-user-id" && name !== "cookie")
      headers.set(name, value);
  });
  return headers;
}

function messageText(data: unknown): string | null {
  if (typeof data === "string") return data;
  // A binary frame: graphql-ws clients send text, but the protocol allows either.
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      return null;
    }
  }
  return null;
}

/** Whether the text's UTF-8 exceeds `maxBytes`, encoded only when its length cannot tell. */
function tooLarge(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return new TextEncoder().encode(text).byteLength > maxBytes;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof Object(value)[Symbol.asyncIterator] === "function";
}

/**
 * An error as a client may see it: Yoga's `http` extension (a status and headers for an HTTP
 * answer) is internal, and over HTTP Yoga strips it too.
 */
function publicError(error: GraphQLError) {
  const json = error.toJSON();
  if (!json.extensions || !("http" in json.extensions)) return json;
  const { http: _http, ...extensions } = json.extensions;
  return { ...json, extensions };
}

function withPublicErrors(result: ExecutionResult) {
  if (!result.errors) return result;
  return { ...result, errors: result.errors.map((error) => publicError(error)) };
}
