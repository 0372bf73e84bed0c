import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { corsPolicy, useVaryOnOrigin } from "./cors-policy.ts";

const SHOP = "https://shop.example";

function gateway(origins: string[]) {
  return createYoga({
    schema: createSchema({
      typeDefs: "type Query { ping: String! }",
      resolvers: { Query: { ping: () => "pong" } },
    }),
    cors: corsPolicy(origins),
    plugins: origins.length > 0 ? [useVaryOnOrigin()] : [],
  });
}

const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));

function post(yoga: ReturnType<typeof gateway>, origin: string) {
  return yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ query: "{ ping }" }),
  });
}

function preflight(yoga: ReturnType<typeof gateway>, origin: string) {
  return yoga.fetch("http://localhost/graphql", {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, authorization",
    },
  });
}

describe("corsPolicy", () => {
  it("gives an origin off the list no CORS header at all, preflight or not", async () => {
    const yoga = gateway([SHOP]);
    for (const origin of ["https://evil.example", "null", `${SHOP}.evil.example`]) {
      expect(corsHeaders(await post(yoga, origin))).toEqual({});
      expect(corsHeaders(await preflight(yoga, origin))).toEqual({});
    }
  });

  it("answers a listed origin with itself, never with credentials", async () => {
    const yoga = gateway([SHOP, "http://localhost:3000"]);
    const answer = await post(yoga, SHOP);
    expect(corsHeaders(answer)).toEqual({
      "access-control-allow-origin": SHOP,
      "access-control-allow-methods": "GET, POST",
      "access-control-max-age": "600",
    });
    expect(answer.headers.get("vary")).toMatch(/Origin/);
    const allowed = corsHeaders(await preflight(yoga, SHOP));
    expect(allowed["access-control-allow-origin"]).toBe(SHOP);
    expect(allowed["access-control-allow-headers"]).toBe("content-type, authorization");
    expect(allowed["access-control-allow-credentials"]).toBeUndefined();
  });

  it("is same-origin only when no origin is configured", async () => {
    const yoga = gateway([]);
    expect(corsHeaders(await post(yoga, SHOP))).toEqual({});
    expect(corsHeaders(await preflight(yoga, SHOP))).toEqual({});
  });
});
