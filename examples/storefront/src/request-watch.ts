import type { Client } from "@urql/core";
import { ShopperRequestQuery, ShopperRequestStatusSubscription } from "./documents.ts";
import type { RequestStateFragment } from "./gql/graphql.ts";

export interface RequestWatchOptions {
  client: Client;
  requestId: string;
  /** Each state of the request, from a read or the stream (repeats possible). */
  onState: (state: RequestStateFragment) => void;
  /** True while a stream is delivering, false from the moment it dropped until one is back. */
  onLive: (live: boolean) => void;
  /** The gateway answered that it knows no such request of this shopper's: the watch has ended. */
  onUnknown: () => void;
  /** First wait before a resubscribe, doubled per failure in a row up to `maxRetryMs`. Default 250. */
  initialRetryMs?: number;
  /** Default 8000. */
  maxRetryMs?: number;
}

export interface RequestWatch {
  stop(): void;
}

const isFinal = (state: RequestStateFragment) => state.status !== "PENDING";

/**
 * Follows one request until it is ISSUED or FAILED, whatever happens to the stream. The gateway
 * sends the current state first, then each change, and completes after the final one. Any other
 * end (the network dropped, the gateway restarted, it ended an idle or too long stream, an error)
 * is a drop: after a backoff with jitter the page reads the request again (a change missed while
 * away is shown at once) and subscribes anew, until the request is final or `stop()` is called.
 */
export function watchRequest({
  client,
  requestId,
  onState,
  onLive,
  onUnknown,
  initialRetryMs = 250,
  maxRetryMs = 8000,
}: RequestWatchOptions): RequestWatch {
  let stopped = false;
  let failures = 0;
  let unsubscribe: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const deliver = (state: RequestStateFragment | null | undefined): boolean => {
    if (!state || stopped) return false;
    onState(state);
    if (isFinal(state)) stop();
    return isFinal(state);
  };

  function subscribe() {
    if (stopped) return;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      if (!stopped) dropped();
    };
    const subscription = client
      .subscription(ShopperRequestStatusSubscription, { requestId })
      .subscribe((result) => {
        if (ended || stopped) return;
        if (result.data) {
          failures = 0;
          onLive(true);
          if (deliver(result.data.requestStatus)) return;
        }
        // urql ends a subscription's results with one whose hasNext is false (errors included).
        if (result.error || !result.hasNext) end();
      });
    unsubscribe = () => subscription.unsubscribe();
    if (ended) unsubscribe();
  }

  function dropped() {
    onLive(false);
    const wait = Math.min(maxRetryMs, initialRetryMs * 2 ** failures);
    failures++;
    timer = setTimeout(() => void resume(), wait / 2 + Math.random() * (wait / 2));
  }

  async function resume() {
    if (stopped) return;
    const read = await client
      .query(ShopperRequestQuery, { requestId }, { requestPolicy: "network-only" })
      .toPromise();
    if (stopped) return;
    if (read.error || !read.data) return dropped();
    if (read.data.issueRequest === null) {
      stop();
      return onUnknown();
    }
    if (deliver(read.data.issueRequest)) return;
    subscribe();
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    unsubscribe?.();
  }

  subscribe();
  return { stop };
}
