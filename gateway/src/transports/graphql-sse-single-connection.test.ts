import { GraphQLError } from "graphql";
import { type Client, createClient } from "graphql-sse";
import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { waitUntil } from "#test-support/wait.ts";
import { createResolveCaller } from "../identity/resolve-caller.ts";
import { useGraphqlSseSingleConnection } from "./graphql-sse-single-connection.ts";

const TOKEN_HEADER = "x-graphql-event-stream-token";

function createTestYoga(options: { notServed?: string; openWithinMs?: number } = {}) {
  const yoga = createYoga({
    schema: createSchema<{ request: Request }>({
      typeDefs: `type Query { me: String }
                 type Subscription { count(to: Int!): Int!, me: String, broken: Int }`,
      resolvers: {
        Query: { me: (_root, _args, { request }) => request.headers.get("x-user-id") },
        Subscription: {
          count: {
            async *subscribe(_root: unknown, { to }: { to: number }) {
              for (let i = 1; i <= to; i++) yield { count: i };
            },
          },
          broken: {
            subscribe: () => {
              const failing: AsyncIterableIterator<unknown> = {
                next: () => Promise.reject(new Error("no such request")),
                return: async () => ({ done: true, value: undefined }),
                [Symbol.asyncIterator]: () => failing,
              };
              return failing;
            },
          },
          me: {
            async *subscribe(_root: unknown, _args: unknown, { request }: { request: Request }) {
              yield { me: request.headers.get("x-user-id") };
            },
          },
        },
      },
    }),
    plugins: [
      useGraphqlSseSingleConnection({
        endpoint: "/graphql",
        resolveCaller: createResolveCaller({ mode: "development" }),
        perCaller: 2,
        total: 3,
        errorResult: (error) => ({
          errors: [
            new GraphQLError(String((error as Error).message), { extensions: { code: "X" } }),
          ],
        }),
        ...options,
      }),
    ],
  });
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit) =>
    yoga.fetch(new Request(input, init));
  return { yoga, fetchFn };
}

function clientOf(
  fetchFn: ReturnType<typeof createTestYoga>["fetchFn"],
  userId: string,
  singleConnection: boolean,
): Client {
  return createClient({
    url: "http://localhost/graphql",
    singleConnection,
    fetchFn,
    headers: { "x-user-id": userId },
    retryAttempts: 0,
  });
}

async function collect(client: Client, query: string): Promise<unknown[]> {
  const results: unknown[] = [];
  for await (const result of client.iterate({ query })) results.push(result);
  return results;
}

const put = (fetchFn: ReturnType<typeof createTestYoga>["fetchFn"], userId?: string) =>
  fetchFn("http://localhost/graphql", {
    method: "PUT",
    headers: userId ? { "x-user-id": userId } : {},
  });

describe("useGraphqlSseSingleConnection", () => {
  it("serves graphql-sse's client in both modes, each operation as its caller", async () => {
    const { fetchFn } = createTestYoga();
    for (const singleConnection of [true, false]) {
      const client = clientOf(fetchFn, "7", singleConnection);
      expect(await collect(client, "subscription { count(to: 3) }")).toEqual([
        { data: { count: 1 } },
        { data: { count: 2 } },
        { data: { count: 3 } },
      ]);
      expect(await collect(client, "subscription { me }")).toEqual([{ data: { me: "7" } }]);
      client.dispose();
    }
  });

  it("sends a failing stream's error as its last result and keeps the connection for the next", async () => {
    const { fetchFn } = createTestYoga();
    const client = clientOf(fetchFn, "7", true);
    expect(await collect(client, "subscription { broken }")).toEqual([
      { errors: [{ message: "no such request", extensions: { code: "X" } }] },
    ]);
    expect(await collect(client, "subscription { me }")).toEqual([{ data: { me: "7" } }]);
    client.dispose();
  });

  it("hands out tokens of its own, to callers only, and within the caps", async () => {
    const { fetchFn } = createTestYoga();
    const chosen = await fetchFn("http://localhost/graphql", {
      method: "PUT",
      headers: { "x-user-id": "1", [TOKEN_HEADER]: "chosen-by-client" },
    });
    expect(chosen.status).toBe(201);
    expect(await chosen.text()).not.toBe("chosen-by-client");
    expect((await put(fetchFn)).status).toBe(401);
    expect((await put(fetchFn, "1")).status).toBe(201);
    const overCaller = await put(fetchFn, "1");
    expect(overCaller.status).toBe(429);
    expect((await overCaller.json()).errors[0].extensions.code).toBe("TOO_MANY_SUBSCRIPTIONS");
    expect((await put(fetchFn, "2")).status).toBe(201);
    expect((await put(fetchFn, "3")).status).toBe(429);
  });

  it("opens a stream and runs operations for the caller who reserved it only", async () => {
    const { fetchFn } = createTestYoga();
    const token = await (await put(fetchFn, "1")).text();
    const operation = (userId: string) =>
      fetchFn("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": userId, [TOKEN_HEADER]: token },
        body: JSON.stringify({
          query: "subscription { count(to: 1) }",
          extensions: { operationId: "op" },
        }),
      });
    const stream = (userId?: string) =>
      fetchFn("http://localhost/graphql", {
        headers: {
          accept: "text/event-stream",
          [TOKEN_HEADER]: token,
          ...(userId ? { "x-user-id": userId } : {}),
        },
      });
    for (const response of [await operation("2"), await stream("2"), await stream()]) {
      expect(response.status).toBe(404);
      expect((await response.json()).errors[0].message).toBe("Stream not found");
    }
    expect((await operation("1")).status).toBe(202);
    const own = await stream("1");
    expect(own.status).toBe(200);
    const reader = (own.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("event: complete"))
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"payload":{"data":{"count":1}}');
    await reader.cancel();
    // The stream ended: its reservation is gone, and the caller may reserve its two again.
    expect((await stream("1")).status).toBe(404);
    expect((await put(fetchFn, "1")).status).toBe(201);
    expect((await put(fetchFn, "1")).status).toBe(201);
  });

  it("lets a reservation go when its stream is not opened in time", async () => {
    const { fetchFn } = createTestYoga({ openWithinMs: 50 });
    const token = await (await put(fetchFn, "1")).text();
    await put(fetchFn, "1");
    expect((await put(fetchFn, "1")).status).toBe(429);
    await waitUntil(async () => (await put(fetchFn, "1")).status === 201, {
      timeoutMs: 5000,
      what: "the unopened reservations let go",
    });
    const late = await fetchFn("http://localhost/graphql", {
      headers: { accept: "text/event-stream", "x-user-id": "1", [TOKEN_HEADER]: token },
    });
    expect(late.status).toBe(404);
  });

  it("leaves the rest of the endpoint to Yoga, and says so where the mode is not served", async () => {
    const { fetchFn } = createTestYoga({ notServed: "not on this runtime" });
    const reservation = await put(fetchFn, "1");
    expect(reservation.status).toBe(501);
    expect((await reservation.json()).errors[0]).toEqual({
      message: "not on this runtime",
      extensions: { code: "SINGLE_CONNECTION_NOT_SERVED" },
    });
    const query = await fetchFn("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "5" },
      body: JSON.stringify({ query: "{ me }" }),
    });
    expect(await query.json()).toEqual({ data: { me: "5" } });
    const client = clientOf(fetchFn, "5", false);
    expect(await collect(client, "subscription { me }")).toEqual([{ data: { me: "5" } }]);
    client.dispose();
  });
});
