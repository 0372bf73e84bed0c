import type { ServerResponse } from "node:http";
import { BackendUnavailableError, HttpError } from "#shared/http-kit/http-error.ts";
import type { SubscriptionHub, SubscriptionKind } from "./subscription-hub.ts";

export interface SseSubscriptionOptions {
  hub: SubscriptionHub;
  kind: SubscriptionKind;
  /** Channel or pattern, as it appears after `/subscribe/` or `/psubscribe/`. */
  name: string;
  /** A comment line this often keeps idle streams open through proxies and load balancers. */
  keepAliveMs: number;
  /** A client that lets more than this pile up unread is cut off rather than buffered forever. */
  maxBufferedBytes: number;
  /** Where the stream registers, so shutdown can end it. */
  streams: SseStreams;
}

/** The open SSE streams: shutdown ends them, and refuses streams that would open after that. */
export function createSseStreams() {
  const open = new Set<ServerResponse>();
  let closing = false;
  return {
    /** False once shutdown began: the stream must not open. */
    add(response: ServerResponse): boolean {
      if (closing) return false;
      open.add(response);
      response.once("close", () => open.delete(response));
      return true;
    },
    endAll(): void {
      closing = true;
      for (const response of open) response.end();
    },
    get size(): number {
      return open.size;
    },
  };
}

export type SseStreams = ReturnType<typeof createSseStreams>;

/**
 * `@upstash/redis` parses one event per line and splits on commas: a line break in a payload would
 * cut it short (or smuggle a forged event), so line breaks travel as spaces, which leaves JSON
 * payloads meaning the same; a comma in a channel name cannot be parsed at all, so it is refused.
 */
function oneLine(payload: Buffer): string {
  return payload.toString("utf8").replace(/\r\n|\r|\n/g, " ");
}

/**
 * One SSE subscriber: `data: subscribe,<channel>,1` once Redis confirmed, then
 * `data: message,<channel>,<payload>` (or `pmessage,<pattern>,<channel>,<payload>`) per message,
 * until the client aborts (which releases the subscription) or the proxy shuts down.
 */
export async function serveSseSubscription(
  response: ServerResponse,
  { hub, kind, name, keepAliveMs, maxBufferedBytes, streams }: SseSubscriptionOptions,
): Promise<void> {
  if (name === "" || /[\r\n,]/.test(name)) {
    throw new HttpError(
      400,
      `ERR invalid ${kind === "subscribe" ? "channel" : "pattern"} '${name}': it must be non-empty, ` +
        "without commas or line breaks (the Upstash client cannot parse those)",
    );
  }
  // Messages that arrive before the stream opened wait, so `subscribe,...` is always the first line.
  let early: string[] | undefined = [];
  // After end() (shutdown) or destroy() a write would be an error event: nothing may follow.
  const writable = () => !response.writableEnded && !response.destroyed;
  const send = (line: string) => {
    if (early) {
      early.push(line);
      return;
    }
    if (!writable()) return;
    response.write(`data: ${line}\n\n`);
    if (response.writableLength > maxBufferedBytes) response.destroy();
  };
  // `request.destroyed` is no help: a fully read request is destroyed too. The response's close is.
  let clientGone = false;
  response.once("close", () => {
    clientGone = true;
  });
  const release = await hub.add(kind, name, (channel, message, pattern) =>
    send(
      pattern === undefined
        ? `message,${channel},${oneLine(message)}`
        : `pmessage,${pattern},${channel},${oneLine(message)}`,
    ),
  );
  // The client may have given up while Redis was confirming.
  if (clientGone) {
    release();
    return;
  }
  if (!streams.add(response)) {
    release();
    throw new BackendUnavailableError("the proxy is shutting down; subscribe again shortly");
  }
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const keepAlive = setInterval(() => {
    if (writable()) response.write(": keep-alive\n\n");
  }, keepAliveMs);
  response.once("close", () => {
    clearInterval(keepAlive);
    release();
  });
  const waiting = early;
  early = undefined;
  send(`${kind},${name},1`);
  for (const line of waiting) send(line);
}
