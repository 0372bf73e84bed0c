import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { GRAPHQL_LIMIT_DEFAULTS } from "#shared/defaults.ts";
import { type OperationLimits, operationLimitPlugins } from "./operation-limits.ts";

/** A schema shaped like the gateway's coupon query, counting every resolver call. */
function gateway(limits: Partial<OperationLimits> = {}, hideSuggestions = true) {
  const calls = { coupon: 0 };
  const schema = createSchema({
    typeDefs: `type Query { coupon(id: ID!): Coupon }
               type Coupon { id: ID!, name: String!, related: Coupon }`,
    resolvers: {
      Query: {
        coupon: (_root: unknown, { id }: { id: string }) => {
          calls.coupon++;
          return { id, name: `coupon ${id}` };
        },
      },
      Coupon: { related: (coupon: { id: string }) => coupon },
    },
  });
  const yoga = createYoga({
    schema,
    plugins: operationLimitPlugins({ ...GRAPHQL_LIMIT_DEFAULTS, ...limits }, { hideSuggestions }),
  });
  async function post(query: string) {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
  }
  return { post, calls };
}

const aliased = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `c${i}: coupon(id: "${i}") { id }`).join(" ")} }`;

describe("operationLimitPlugins", () => {
  it("refuses 2,000 aliased coupon fields before a single resolver runs", async () => {
    const { post, calls } = gateway();
    const body = await post(aliased(2000));
    expect(body.errors?.[0]?.message).toMatch(/Token limit of 1000 exceeded/);
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    // With room for the tokens, the alias count itself is the refusal.
    const roomy = gateway({ maxTokens: 100_000 });
    const counted = await roomy.post(aliased(2000));
    expect(counted.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded, found 2000/);
    expect(counted.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(calls.coupon + roomy.calls.coupon).toBe(0);
    expect(body.data).toBeUndefined();
  });

  it("runs an operation within every limit", async () => {
    const { post, calls } = gateway();
    const body = await post(aliased(15));
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data ?? {})).toHaveLength(15);
    expect(calls.coupon).toBe(15);
  });

  it("refuses too deep, too costly and too many directives, naming the limit", async () => {
    const { post, calls } = gateway({ maxCost: 30 });
    const refusal = async (query: string) => {
      const body = await post(query);
      expect(body.data).toBeUndefined();
      return body.errors?.map((error) => error.message).join("\n");
    };
    const deep = `{ coupon(id: "1") { related { related { related { related { related { id } } } } } } }`;
    expect(await refusal(deep)).toMatch(/Query depth limit of 6 exceeded, found 7/);
    const costly = `{ ${Array.from({ length: 10 }, (_, i) => `c${i}: coupon(id: "${i}") { id name }`).join(" ")} }`;
    expect(await refusal(costly)).toMatch(/Query Cost limit of 30 exceeded/);
    const directives = `{ coupon(id: "1") { id ${"@include(if: true) ".repeat(11)} } }`;
    expect(await refusal(directives)).toMatch(/Directives limit of 10 exceeded, found 11/);
    expect(calls.coupon).toBe(0);
  });

  it("hides field suggestions only when asked (introspection off)", async () => {
    const typo = `{ coupon(id: "1") { nmae } }`;
    expect((await gateway({}, true).post(typo)).errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect((await gateway({}, false).post(typo)).errors?.[0]?.message).toMatch(/Did you mean/);
  });
});
