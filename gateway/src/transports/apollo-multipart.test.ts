import { ApolloClient, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { createSubscriptionSlots, holdingSlot } from "../status/subscription-slots.ts";
import { acceptsApolloMultipart, useApolloMultipartSubscriptions } from "./apollo-multipart.ts";

/** What Apollo Client 4's HttpLink sends for a subscription (FIELD-NOTES.md). */
const APOLLO_ACCEPT = "multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json";

function createTestYoga() {
  const state = { returned: 0, release: () => {} };
  const slots = createSubscriptionSlots({ perCaller: 1, total: 10 });
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: `type Query { ping: String! }
                 type Subscription { count(to: Int!, hold: Boolean): Int!, broken: Int!, held: Int! }`,
      resolvers: {
        Query: { ping: () => "pong" },
        Subscription: {
          count: {
            subscribe: (_root: unknown, { to, hold }: { to: number; hold?: boolean }) => {
              let i = 0;
              let wake: (() => void) | undefined;
              state.release = () => wake?.();
              const iterator: AsyncIterableIterator<{ count: number }> = {
                async next() {
                  if (hold && i === 1) await new Promise<void>((resolve) => (wake = resolve));
                  i++;
                  return i > to
                    ? { done: true, value: undefined }
                    : { done: false, value: { count: i } };
                },
                async return() {
                  state.returned++;
                  wake?.();
                  return { done: true, value: undefined };
                },
                [Symbol.asyncIterator]: () => iterator,
              };
              return iterator;
            },
          },
          // As requestStatus holds its slot (status/subscription-slots.ts): until the stream ends.
          held: {
            subscribe: (_root: unknown, _args: unknown, { request }: { request: Request }) =>
              holdingSlot(
                () => {
                  const slot = slots.claim("caller");
                  if (typeof slot === "string") throw new Error(`refused: ${slot}`);
                  return slot;
                },
                async function* () {
                  yield { held: 1 };
                  await new Promise(() => {});
                },
                request.signal,
              ),
          },
          broken: {
            // biome-ignore lint/correctness/useYield: a stream that fails on its first read
            async *subscribe() {
              throw new Error("internal detail");
            },
          },
        },
      },
    }),
    plugins: [useApolloMultipartSubscriptions({ heartbeatMs: 20 })],
    maskedErrors: true,
  });
  return { yoga, state, slots };
}

async function subscribe(yoga: ReturnType<typeof createTestYoga>["yoga"], query: string) {
  return yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: APOLLO_ACCEPT },
    body: JSON.stringify({ query }),
  });
}

describe("acceptsApolloMultipart", () => {
  it("recognises Apollo's Accept, quoted or not, and nothing else", () => {
    expect(acceptsApolloMultipart(APOLLO_ACCEPT)).toBe(true);
    expect(
      acceptsApolloMultipart('multipart/mixed; subscriptionSpec="1.0", application/json'),
    ).toBe(true);
    expect(acceptsApolloMultipart("multipart/mixed")).toBe(false);
    expect(acceptsApolloMultipart("multipart/mixed;deferSpec=20220824")).toBe(false);
    expect(acceptsApolloMultipart("text/event-stream")).toBe(false);
    expect(acceptsApolloMultipart(null)).toBe(false);
  });
});

describe("useApolloMultipartSubscriptions", () => {
  it("answers Apollo's Accept with its multipart format, heartbeats, then the closing delimiter", async () => {
    const { yoga, state } = createTestYoga();
    const response = await subscribe(yoga, "subscription { count(to: 2, hold: true) }");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(
      'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    // The first event, then heartbeats while the stream holds: more empty parts than the opening one.
    while ((text.match(/\r\n\r\n\{\}\r\n--graphql/g)?.length ?? 0) < 3) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
    }
    state.release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text.startsWith("\r\n--graphql\r\ncontent-type: application/json")).toBe(true);
    expect(text).toContain('{"payload":{"data":{"count":1}}}');
    expect(text).toContain('{"payload":{"data":{"count":2}}}');
    expect(text.endsWith("\r\n--graphql--\r\n")).toBe(true);
  });

  it("ends the subscription when the client goes away", async () => {
    const { yoga, state } = createTestYoga();
    const response = await subscribe(yoga, "subscription { count(to: 5, hold: true) }");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes('"count":1'))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(state.returned).toBe(1);
  });

  it("gives the subscription's slot back when the client goes away", async () => {
    const { yoga, slots } = createTestYoga();
    for (let round = 0; round < 2; round++) {
      const response = await subscribe(yoga, "subscription { held }");
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while (!text.includes('"held":1'))
        text += new TextDecoder().decode((await reader.read()).value);
      expect(slots.open).toBe(1);
      await reader.cancel();
      expect(slots.open).toBe(0);
    }
  });

  it("leaves other clients as they were: SSE still streams, a query is still JSON", async () => {
    const { yoga } = createTestYoga();
    const sse = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { count(to: 1) }" }),
    });
    expect(sse.headers.get("content-type")).toBe("text/event-stream");
    expect(await sse.text()).toContain('data: {"data":{"count":1}}');
    const query = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: APOLLO_ACCEPT },
      body: JSON.stringify({ query: "{ ping }" }),
    });
    expect(await query.json()).toEqual({ data: { ping: "pong" } });
  });

  it("serves Apollo Client's HttpLink: every event, masked errors, and the end", async () => {
    const { yoga } = createTestYoga();
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new HttpLink({
        uri: "http://localhost/graphql",
        fetch: async (input, init) => yoga.fetch(new Request(input, init)),
      }),
    });
    const counts = await new Promise<number[]>((resolve, reject) => {
      const seen: number[] = [];
      client.subscribe({ query: gql`subscription { count(to: 3) }` }).subscribe({
        next: ({ data, error }) =>
          error ? reject(error) : seen.push((data as { count: number }).count),
        error: reject,
        complete: () => resolve(seen),
      });
    });
    expect(counts).toEqual([1, 2, 3]);

    const failure = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: gql`subscription { broken }` }).subscribe({
        next: ({ error }) => error && resolve(error),
        error: resolve,
        complete: () => resolve(null),
      });
    });
    expect(String(failure)).toMatch(/Unexpected error/);
    expect(String(failure)).not.toMatch(/internal detail/);
  });
});
