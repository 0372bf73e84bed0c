import { REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { BackendUnavailableError } from "#shared/http-kit/http-error.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { createReadinessGate } from "./redis-connection.ts";

/** Receives a published message; `pattern` is set for pattern subscriptions. */
export type MessageListener = (channel: string, message: Buffer, pattern?: string) => void;

export type SubscriptionKind = "subscribe" | "psubscribe";

interface Topic {
  listeners: Set<MessageListener>;
  /** Settles when Redis confirmed the SUBSCRIBE; every listener waits for it. */
  confirmed: Promise<void>;
}

export interface SubscriptionHubOptions {
  /** A connection of its own: in subscriber mode it can do nothing else. */
  subscriber: IoredisClient;
  /** A subscription Redis has not confirmed after this long fails. Default `REDIS_REST_DEFAULTS`. */
  subscribeTimeoutMs?: number;
  /** While (re)connecting, how long a subscription waits for the connection. Default as above. */
  readyWaitMs?: number;
}

/**
 * One Redis subscriber connection for every SSE client: channels and patterns are reference-counted,
 * so ten thousand clients watching cost one connection, Redis sees SUBSCRIBE once per channel, and
 * the last listener to leave unsubscribes. ioredis resubscribes by itself after a reconnect.
 */
export function createSubscriptionHub({
  subscriber,
  subscribeTimeoutMs = REDIS_REST_DEFAULTS.commandTimeoutMs,
  readyWaitMs = REDIS_REST_DEFAULTS.readyWaitMs,
}: SubscriptionHubOptions) {
  const topics: Record<SubscriptionKind, Map<string, Topic>> = {
    subscribe: new Map(),
    psubscribe: new Map(),
  };

  subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    const name = channel.toString("utf8");
    for (const listener of topics.subscribe.get(name)?.listeners ?? []) listener(name, message);
  });
  subscriber.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, message: Buffer) => {
    const name = pattern.toString("utf8");
    const channelName = channel.toString("utf8");
    for (const listener of topics.psubscribe.get(name)?.listeners ?? [])
      listener(channelName, message, name);
  });

  const isReady = createReadinessGate(subscriber, readyWaitMs);

  async function confirm(kind: SubscriptionKind, name: string): Promise<void> {
    // Fail fast while disconnected: the subscriber keeps an offline queue (for UNSUBSCRIBE), and a
    // SUBSCRIBE waiting in it would hold the caller until Redis returns.
    if (!(await isReady())) {
      throw new BackendUnavailableError(
        `Redis is unavailable (connection is ${subscriber.status}); subscribe again shortly`,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        kind === "subscribe" ? subscriber.subscribe(name) : subscriber.psubscribe(name),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no confirmation within ${subscribeTimeoutMs} ms`)),
            subscribeTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      // It may still be confirmed later: take it back, queued before any new SUBSCRIBE of the name.
      unsubscribeFrom(kind, name);
      throw new BackendUnavailableError(
        `Redis is unavailable (${messageOf(error)}); subscribe again shortly`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  function release(kind: SubscriptionKind, name: string, topic: Topic, listener: MessageListener) {
    topic.listeners.delete(listener);
    if (topic.listeners.size > 0 || topics[kind].get(name) !== topic) return;
    topics[kind].delete(name);
    // Queued behind the SUBSCRIBE on the same connection, so the order holds even mid-confirmation.
    unsubscribeFrom(kind, name);
  }

  function unsubscribeFrom(kind: SubscriptionKind, name: string): void {
    const sent =
      kind === "subscribe" ? subscriber.unsubscribe(name) : subscriber.punsubscribe(name);
    sent.catch(() => undefined);
  }

  return {
    /**
     * Adds a listener; resolves once Redis confirmed the subscription (at once when another
     * listener already holds it), with the function that removes the listener again.
     */
    async add(
      kind: SubscriptionKind,
      name: string,
      listener: MessageListener,
    ): Promise<() => void> {
      let topic = topics[kind].get(name);
      if (!topic) {
        const created: Topic = { listeners: new Set(), confirmed: confirm(kind, name) };
        created.confirmed.catch(() => {
          if (topics[kind].get(name) === created) topics[kind].delete(name);
        });
        topics[kind].set(name, created);
        topic = created;
      }
      const joined = topic;
      joined.listeners.add(listener);
      try {
        await joined.confirmed;
      } catch (error) {
        joined.listeners.delete(listener);
        throw error;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release(kind, name, joined, listener);
      };
    },
    /** Channels and patterns currently subscribed in Redis. */
    get size(): number {
      return topics.subscribe.size + topics.psubscribe.size;
    },
    /** Listeners across all channels and patterns (SSE clients). */
    get listenerCount(): number {
      let count = 0;
      for (const registry of Object.values(topics))
        for (const topic of registry.values()) count += topic.listeners.size;
      return count;
    },
  };
}

export type SubscriptionHub = ReturnType<typeof createSubscriptionHub>;
