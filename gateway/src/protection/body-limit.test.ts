import { createSchema, createYoga } from "graphql-yoga";
import { beforeEach, describe, expect, it } from "vitest";
import { useBodyLimit } from "./body-limit.ts";

let executed = 0;
// Counted per test: a test that runs the operation must not leave its count to the next.
beforeEach(() => {
  executed = 0;
});
const yoga = createYoga({
  schema: createSchema({
    typeDefs: "type Query { echo(text: String!): String! }",
    resolvers: {
      Query: {
        echo: (_: unknown, { text }: { text: string }) => {
          executed++;
          return text;
        },
      },
    },
  }),
  plugins: [useBodyLimit({ maxBytes: 1024 })],
});

const body = (text: string) => JSON.stringify({ query: `{ echo(text: "${text}") }` });

/** A body without Content-Length, as a chunked upload arrives. */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 256) controller.enqueue(bytes.slice(at, at + 256));
      controller.close();
    },
  });
}

async function post(init: RequestInit) {
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    ...init,
    duplex: "half", // a stream body must say so
  });
  return { status: response.status, json: await response.json() };
}

describe("useBodyLimit", () => {
  it("answers 413 for a declared body over the limit, before anything is parsed or run", async () => {
    const text = "x".repeat(2000);
    const refused = await post({
      body: body(text),
      headers: { "content-length": String(body(text).length) },
    });
    expect(refused.status).toBe(413);
    expect(refused.json.errors[0]).toEqual({
      message: "request body exceeds the limit of 1024 bytes",
      extensions: { code: "PAYLOAD_TOO_LARGE" },
    });
    expect(executed).toBe(0);
  });

  it("answers 413 for a body without a length once it passes the limit", async () => {
    const refused = await post({ body: streamed(body("y".repeat(5000))) });
    expect(refused.status).toBe(413);
    expect(executed).toBe(0);
  });

  it("hands a body within the limit on, declared or streamed", async () => {
    const declared = await post({ body: body("small") });
    expect(declared.json).toEqual({ data: { echo: "small" } });
    const chunked = await post({ body: streamed(body("z".repeat(600))) });
    expect(chunked.json).toEqual({ data: { echo: "z".repeat(600) } });
  });
});
