import { type FetchAPI, isAsyncIterable, type Plugin, processRegularResult } from "graphql-yoga";

export interface ApolloMultipartOptions {
  /**
   * How often an empty part `{}` is sent while no event comes, so proxies and the client see the
   * connection alive. Default 5000 ms (Apollo's router sends one every five seconds).
   */
  heartbeatMs?: number;
}

/** Apollo's boundary: its clients expect `graphql` (the protocol fixes it). */
/** One result of the stream, as Yoga's processors take it. */
type StreamedResult = Parameters<typeof processRegularResult>[0];

const BOUNDARY = "graphql";
const CONTENT_TYPE = `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`;
const PART_HEAD = "\r\ncontent-type: application/json; charset=utf-8\r\n\r\n";
const DELIMITER = `\r\n--${BOUNDARY}`;
/** A transport failure: `payload` null and the errors beside it, then the stream ends. */
const FAILED_PART = JSON.stringify({
  payload: null,
  errors: [
    {
      message: "The subscription failed; subscribe again.",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    },
  ],
});

/**
 * Whether the request's Accept names Apollo's multipart subscription protocol: `multipart/mixed`
 * with `subscriptionSpec=1.0` (Apollo Client's HttpLink sends
 * `multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json`).
 */
export function acceptsApolloMultipart(accept: string | null): boolean {
  if (accept === null) return false;
  return accept.split(",").some((range) => {
    const [type, ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    return (
      type === "multipart/mixed" &&
      params.some((param) => param.replace(/"/g, "") === "subscriptionspec=1.0")
    );
  });
}

/**
 * The stream of a subscription in Apollo's multipart format: each event a part
 * `{"payload": <the GraphQL result>}`, a heartbeat part `{}` every `heartbeatMs` while nothing else
 * goes, and the closing delimiter once the subscription completes. Each result is serialized by
 * Yoga's own processor, so errors carry the same codes, `path` and `locations` as over SSE. The
 * client going away cancels the stream, which ends the subscription (its slot is given back).
 */
function apolloMultipartStream(
  events: AsyncIterable<StreamedResult>,
  fetchAPI: FetchAPI,
  heartbeatMs: number,
): Response {
  const encoder = new fetchAPI.TextEncoder();
  const iterator = events[Symbol.asyncIterator]();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // The first delimiter and an empty part at once: the client knows the stream is open before
      // the first event, and a buffering proxy has something to flush.
      controller.enqueue(encoder.encode(`${DELIMITER}${PART_HEAD}{}${DELIMITER}`));
      heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(`${PART_HEAD}{}${DELIMITER}`));
      }, heartbeatMs);
    },
    async pull(controller) {
      let part: string;
      let done = false;
      try {
        const next = await iterator.next();
        if (next.done) done = true;
        const result = next.value;
        part =
          result == null
            ? ""
            : `{"payload":${await processRegularResult(result, fetchAPI, "application/json").text()}}`;
      } catch {
        part = FAILED_PART;
        done = true;
      }
      if (closed) return;
      if (part) controller.enqueue(encoder.encode(`${PART_HEAD}${part}${DELIMITER}`));
      if (done) {
        closed = true;
        clearInterval(heartbeat);
        controller.enqueue(encoder.encode("--\r\n"));
        controller.close();
      }
    },
    async cancel() {
      closed = true;
      clearInterval(heartbeat);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: { "content-type": CONTENT_TYPE, "cache-control": "no-cache" },
  });
}

/**
 * Apollo Client's multipart HTTP subscriptions (HttpLink without a WebSocket link). Yoga serves a
 * subscription as SSE or plain JSON only (its own multipart processor is for incremental delivery,
 * not offered to subscriptions), so Apollo's Accept is answered 406. This plugin's
 * `onResultProcess` runs after Yoga's and picks the Apollo-format processor for a streamed result
 * when the Accept asks for `subscriptionSpec=1.0`; a result that is not a stream (a subscription
 * refused before it started) keeps Yoga's JSON answer, which Apollo reads too.
 */
export function useApolloMultipartSubscriptions({
  heartbeatMs = 5000,
}: ApolloMultipartOptions = {}): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result) || !acceptsApolloMultipart(request.headers.get("accept")))
        return;
      setResultProcessor(
        (stream, fetchAPI) =>
          apolloMultipartStream(stream as AsyncIterable<StreamedResult>, fetchAPI, heartbeatMs),
        "multipart/mixed",
      );
    },
  };
}
