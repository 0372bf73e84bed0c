import { createSchema, createYoga } from "graphql-yoga";
import { beforeEach, describe, expect, it } from "vitest";
import { CSRF_HEADERS, useCsrfPrevention } from "./csrf-prevention.ts";

let created = 0;
// Counted per test: a test that runs the operation must not leave its count to the next.
beforeEach(() => {
  created = 0;
});
const yoga = createYoga({
  schema: createSchema({
    typeDefs: `type Query { ping: String! }
               type Mutation { createCoupon: Int! }
               type Subscription { ticks: Int! }`,
    resolvers: {
      Query: { ping: () => "pong" },
      Mutation: { createCoupon: () => ++created },
      Subscription: {
        ticks: {
          async *subscribe() {
            yield { ticks: 1 };
          },
        },
      },
    },
  }),
  plugins: [useCsrfPrevention()],
});

const CREATE = "mutation { createCoupon }";

describe("useCsrfPrevention", () => {
  it("refuses what a cross-site form can send, and runs nothing", async () => {
    for (const [type, payload] of [
      ["application/x-www-form-urlencoded", `query=${encodeURIComponent(CREATE)}`],
      ["text/plain", JSON.stringify({ query: CREATE })],
      [
        "multipart/form-data; boundary=x",
        `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${CREATE}\r\n--x--`,
      ],
    ] as const) {
      const response = await yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": type },
        body: payload,
      });
      expect(response.status, type).toBe(403);
      expect((await response.json()).errors[0].message).toBe("Required CSRF header(s) not present");
    }
    expect(created).toBe(0);
  });

  it("serves JSON, which a browser sends cross-site only after a preflight", async () => {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: CREATE }),
    });
    expect(await response.json()).toEqual({ data: { createCoupon: 1 } });
  });

  it("serves a plain GET only with a preflight header, and an EventSource GET without one", async () => {
    const query = `http://localhost/graphql?query=${encodeURIComponent("{ ping }")}`;
    expect((await yoga.fetch(query)).status).toBe(403);
    for (const header of CSRF_HEADERS)
      expect(await (await yoga.fetch(query, { headers: { [header]: "1" } })).json()).toEqual({
        data: { ping: "pong" },
      });
    const subscription = `http://localhost/graphql?query=${encodeURIComponent("subscription { ticks }")}`;
    const stream = await yoga.fetch(subscription, { headers: { accept: "text/event-stream" } });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toMatch(/"ticks":1/);
  });
});
