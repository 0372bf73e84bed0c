import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import type { ExecutionResult } from "graphql";
import { type Response as SseResponse, TOKEN_HEADER_KEY } from "graphql-sse";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { ResolveCaller } from "../identity/resolve-caller.ts";
import { requestRefusal } from "../protection/request-refusal.ts";

export interface SingleConnectionSseOptions {
  /** Where GraphQL is served (`/graphql`): single-connection mode shares it with everything else. */
  endpoint: string;
  /** Who reserves and who uses a stream token, as over HTTP (identity/resolve-caller.ts). */
  resolveCaller: ResolveCaller;
  /** Reservations one caller may hold at once, opened or not (`SUBSCRIPTIONS_PER_CALLER`). */
  perCaller: number;
  /** Reservations held at once in all (`SUBSCRIPTIONS_MAX`). */
  total: number;
  /**
   * The result a stream's failure is sent as: what Yoga makes of it over its own transports (the
   * error masked, a coded one kept), since graphql-sse's handler would end the whole connection.
   */
  errorResult: (error: unknown) => ExecutionResult;
  /** A reservation whose stream was not opened by then is let go. Default 30 s. */
  openWithinMs?: number;
  /**
   * Why this gateway does not serve the mode, or null when it does: its requests are then answered
   * 501 with that reason, instead of being taken for something else.
   */
  notServed?: string | null;
}

/** graphql-sse's handler answers a refusal as `[body, init]` (its `authenticate` may return one). */
function refusal(status: number, statusText: string, message: string, code: string): SseResponse {
  return [
    JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    { status, statusText, headers: { "content-type": "application/json; charset=utf-8" } },
  ];
}

/**
 * An operation's stream whose failure becomes one last result (`errorResult`), as Yoga does for its
 * own transports. `return` goes straight to the stream (an async generator would wait for the
 * pending read first: a quiet stream would hold its subscription slot until its next event).
 */
function failingAsResult(
  stream: AsyncIterable<ExecutionResult>,
  errorResult: (error: unknown) => ExecutionResult,
): AsyncGenerator<ExecutionResult> {
  const iterator = stream[Symbol.asyncIterator]();
  let failed = false;
  const done = (): IteratorResult<ExecutionResult> => ({ done: true, value: undefined });
  const wrapped: AsyncGenerator<ExecutionResult> = {
    async next() {
      if (failed) return done();
      try {
        return await iterator.next();
      } catch (error) {
        failed = true;
        return { done: false, value: errorResult(error) };
      }
    },
    async return() {
      failed = true;
      return iterator.return ? iterator.return() : done();
    },
    async throw(error: unknown) {
      failed = true;
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => wrapped,
    async [Symbol.asyncDispose]() {
      await wrapped.return(undefined);
    },
  };
  return wrapped;
}

const STREAM_NOT_FOUND = () => refusal(404, "Not Found", "Stream not found", "STREAM_NOT_FOUND");

/**
 * Whether a request belongs to graphql-sse's single-connection mode: the reservation (PUT), or a
 * request carrying a stream token (the stream's GET, an operation's POST, a DELETE). Everything
 * else at the endpoint (distinct-connections SSE, JSON, multipart, GraphiQL) stays Yoga's.
 */
export function isSingleConnectionRequest(request: Request, endpoint: string): boolean {
  if (request.method !== "PUT" && !request.headers.has(TOKEN_HEADER_KEY)) return false;
  const url = new URL(request.url, "http://gateway");
  return url.pathname === endpoint;
}

/**
 * graphql-sse's single-connection mode at the GraphQL endpoint, beside Yoga's own SSE (which
 * serves graphql-sse's distinct-connections mode unchanged): `PUT` reserves a stream token, `GET`
 * with it opens the stream, `POST` runs an operation on it, `DELETE` stops one. Served by the
 * maintained `@graphql-yoga/plugin-graphql-sse` (graphql-sse's own handler, operations run through
 * Yoga's envelop: the same context, identity, limits and masking), given only the requests of this
 * mode, and an `authenticate` of the gateway's own:
 *
 * - the token is the gateway's (a random UUID; a token the client names is not taken), reserved
 *   for the caller who sent the PUT (as over HTTP: x-user-id in development, Bearer in JWT mode);
 *   an anonymous caller reserves none;
 * - every later request with the token must come from that same caller, or it is told the stream
 *   does not exist (a token leaked to someone else opens nothing);
 * - reservations are capped per caller and in all, and one not opened within `openWithinMs` is let
 *   go; an opened one ends with its stream, which ends its operations (their subscription slots
 *   are given back).
 *
 * The streams live in this process's memory: behind several gateways the four requests must reach
 * the same one (sticky sessions), which is why the Workers runtime does not serve the mode.
 */
export function useGraphqlSseSingleConnection({
  endpoint,
  resolveCaller,
  perCaller,
  total,
  errorResult,
  openWithinMs = 30_000,
  notServed = null,
}: SingleConnectionSseOptions): Plugin {
  if (notServed !== null) {
    return {
      onRequest({ request, endResponse }) {
        if (isSingleConnectionRequest(request, endpoint))
          endResponse(requestRefusal(501, notServed, "SINGLE_CONNECTION_NOT_SERVED"));
      },
    };
  }

  interface Reservation {
    owner: string;
    opened: boolean;
    expiry: ReturnType<typeof setTimeout>;
  }
  const reservations = new Map<string, Reservation>();
  const perOwner = new Map<string, number>();
  /** Requests the plugin itself sends the handler (to let an unopened reservation go). */
  const internal = new WeakSet<Request>();

  function release(token: string): void {
    const reservation = reservations.get(token);
    if (!reservation) return;
    clearTimeout(reservation.expiry);
    reservations.delete(token);
    const left = (perOwner.get(reservation.owner) ?? 1) - 1;
    if (left === 0) perOwner.delete(reservation.owner);
    else perOwner.set(reservation.owner, left);
  }

  async function callerOf(request: Request): Promise<string | null> {
    try {
      return (await resolveCaller(request))?.userId ?? null;
    } catch {
      // A token that failed: refused as no caller is (the request names nobody it may act as).
      return null;
    }
  }

  async function reserve(request: Request): Promise<string | SseResponse> {
    const owner = await callerOf(request);
    if (owner === null)
      return refusal(
        401,
        "Unauthorized",
        "reserving a stream needs a caller: a Bearer token, or x-user-id in development mode",
        "UNAUTHENTICATED",
      );
    if ((perOwner.get(owner) ?? 0) >= perCaller)
      return refusal(
        429,
        "Too Many Requests",
        "too many event streams reserved for this caller: close one before reserving another",
        "TOO_MANY_SUBSCRIPTIONS",
      );
    if (reservations.size >= total)
      return refusal(
        429,
        "Too Many Requests",
        "the gateway holds as many event streams as it may; try again shortly",
        "TOO_MANY_SUBSCRIPTIONS",
      );
    const token = crypto.randomUUID();
    reservations.set(token, {
      owner,
      opened: false,
      expiry: setTimeout(() => void letGo(token), openWithinMs),
    });
    perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
    return token;
  }

  const sse = useGraphQLSSE({
    endpoint,
    async authenticate(req) {
      const request = req.raw as Request;
      if (request.method === "PUT") return reserve(request);
      const token = request.headers.get(TOKEN_HEADER_KEY) ?? "";
      const reservation = reservations.get(token);
      if (!reservation) return STREAM_NOT_FOUND();
      if (internal.has(request)) return token;
      // The same answer as for a token never reserved: whose a stream is stays unsaid.
      if ((await callerOf(request)) !== reservation.owner) return STREAM_NOT_FOUND();
      return token;
    },
  });
  const handle = sse.onRequest as NonNullable<Plugin["onRequest"]>;

  /**
   * An unopened reservation is let go through graphql-sse's own API: its stream is opened and
   * cancelled at once, which makes the handler forget the token.
   */
  async function letGo(token: string): Promise<void> {
    const reservation = reservations.get(token);
    if (!reservation || reservation.opened) return;
    const request = new Request(`http://gateway${endpoint}`, {
      headers: { accept: "text/event-stream", [TOKEN_HEADER_KEY]: token },
    });
    internal.add(request);
    await handle({
      request,
      serverContext: {},
      endResponse: (response: Response) => void response.body?.cancel(),
    } as never);
    release(token);
  }

  /** The stream's response, releasing the reservation once it ends, whichever way. */
  function releasingWhenDone(response: Response, token: string): Response {
    const body = response.body;
    if (body === null) return response;
    const reader = body.getReader();
    const released = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (value) controller.enqueue(value);
        if (done) {
          release(token);
          controller.close();
        }
      },
      async cancel(reason) {
        release(token);
        await reader.cancel(reason);
      },
    });
    return new Response(released, { status: response.status, headers: response.headers });
  }

  return {
    onYogaInit: sse.onYogaInit,
    // Yoga turns a stream's failure into a last result for its own transports only (in its
    // request handling, which this mode passes by): here the same, for this mode's operations.
    onSubscribe({ args }) {
      const { request } = args.contextValue as { request?: Request };
      if (!request?.headers.has(TOKEN_HEADER_KEY)) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result))
            setResult(failingAsResult(result as AsyncIterable<ExecutionResult>, errorResult));
        },
      };
    },
    onRequest(payload) {
      const { request } = payload;
      if (!isSingleConnectionRequest(request, endpoint)) return;
      const token = request.headers.get(TOKEN_HEADER_KEY);
      const opens =
        request.method === "GET" &&
        token !== null &&
        reservations.has(token) &&
        !internal.has(request);
      return handle({
        ...payload,
        endResponse(response: Response) {
          const reservation = token === null ? undefined : reservations.get(token);
          if (opens && reservation && response.status === 200 && token !== null) {
            reservation.opened = true;
            clearTimeout(reservation.expiry);
            payload.endResponse(releasingWhenDone(response, token));
            return;
          }
          payload.endResponse(response);
        },
      });
    },
  };
}
