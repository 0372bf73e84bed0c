import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createGatewayApp } from "./app.ts";
import { readGatewayConfig } from "./config.ts";
import { TEMPORARILY_UNAVAILABLE_MESSAGE } from "./schema/errors.ts";

// JWT mode end to end through the app's fetch handler: who may call what. Nothing here reaches
// Redis or Kafka; the internal API points where nothing listens, so an admin call that passes the
// check ends in a retryable error, not FORBIDDEN.
const SECRET = "a-test-secret-of-32-characters!!";
const app = createGatewayApp(
  readGatewayConfig({ JWT_SECRET: SECRET, INTERNAL_API_URL: "http://127.0.0.1:9/" }),
);

/** A token signed with `secret`, valid for five minutes unless `claims` says otherwise. */
async function token(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

interface GraphQLBody {
  data?: unknown;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    locations?: Array<{ line: number; column: number }>;
    extensions?: { code?: string };
  }>;
}

async function post(query: string, headers: Record<string, string> = {}): Promise<GraphQLBody> {
  const response = await app.fetch(
    new Request("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    }),
  );
  return (await response.json()) as GraphQLBody;
}

async function code(query: string, headers: Record<string, string> = {}) {
  const body = await post(query, headers);
  return body.errors?.[0]?.extensions?.code;
}

const ISSUE = `mutation { issueCoupon(couponId: "1") { __typename } }`;
const ADMIN_OPERATIONS = [
  `mutation { createCoupon(input: { name: "x", totalQuantity: 1 }) { id } }`,
  `query { deadLetters { total } }`,
  `mutation { replayDeadLetter(id: "1") { outcome } }`,
  `mutation { replayDeadLetters(couponId: "1") { outcome } }`,
];

describe("gateway in JWT mode", () => {
  it("refuses anonymous callers, x-user-id, and tokens signed with another secret", async () => {
    expect(await code(ISSUE)).toBe("UNAUTHENTICATED");
    expect(await code(ISSUE, { "x-user-id": "7" })).toBe("UNAUTHENTICATED");
    const forged = await token({ sub: "7", roles: ["admin"] }, "another-secret-of-32-characters!");
    expect(await code(ISSUE, { authorization: `Bearer ${forged}` })).toBe("UNAUTHENTICATED");
    const expired = await token({ sub: "7", exp: Math.floor(Date.now() / 1000) - 60 });
    expect(await code(ISSUE, { authorization: `Bearer ${expired}` })).toBe("UNAUTHENTICATED");
  });

  it("keeps every admin operation from a user without the admin role", async () => {
    const user = await token({ sub: "7", roles: ["customer"] });
    for (const operation of ADMIN_OPERATIONS)
      expect(await code(operation, { authorization: `Bearer ${user}` })).toBe("FORBIDDEN");
  });

  it("answers a dependency that is away at the field that needed it, without its detail", async () => {
    const admin = await token({ sub: "1", roles: ["admin"] });
    const body = await post("query {\n  deadLetters {\n    total\n  }\n}", {
      authorization: `Bearer ${admin}`,
    });
    expect(body.errors).toEqual([
      {
        message: TEMPORARILY_UNAVAILABLE_MESSAGE,
        path: ["deadLetters"],
        locations: [{ line: 2, column: 3 }],
        extensions: {
          code: "TEMPORARILY_UNAVAILABLE",
          retryable: true,
          correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      },
    ]);
  });

  it("lets an admin through the check", async () => {
    const admin = await token({ sub: "1", roles: ["admin"] });
    for (const operation of ADMIN_OPERATIONS)
      expect(await code(operation, { authorization: `Bearer ${admin}` })).toBe(
        "TEMPORARILY_UNAVAILABLE",
      );
  });
});

describe("GraphiQL and introspection", () => {
  const INTROSPECT = `{ __schema { queryType { name } } }`;
  const gateway = (env: Record<string, string>) =>
    createGatewayApp(readGatewayConfig({ INTERNAL_API_URL: "http://127.0.0.1:9/", ...env }));
  const graphiql = async (app: ReturnType<typeof gateway>) => {
    const page = await app.fetch(
      new Request("http://localhost/graphql", { headers: { accept: "text/html" } }),
    );
    return page.status === 200 && /coupon drop/.test(await page.text());
  };
  const introspects = async (app: ReturnType<typeof gateway>) => {
    const response = await app.fetch(
      new Request("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: INTROSPECT }),
      }),
    );
    const body = (await response.json()) as GraphQLBody;
    return (
      JSON.stringify(body.data) === JSON.stringify({ __schema: { queryType: { name: "Query" } } })
    );
  };

  it("are on in development mode on loopback, as the quick start shows", async () => {
    const development = gateway({});
    expect(await graphiql(development)).toBe(true);
    expect(await introspects(development)).toBe(true);
  });

  it("are off with identity configured, unless enabled explicitly", async () => {
    const production = gateway({ JWT_SECRET: SECRET });
    expect(await graphiql(production)).toBe(false);
    expect(await introspects(production)).toBe(false);
    const enabled = gateway({ JWT_SECRET: SECRET, GRAPHIQL: "true", INTROSPECTION: "true" });
    expect(await graphiql(enabled)).toBe(true);
    expect(await introspects(enabled)).toBe(true);
  });
});

// The gateway's /metrics through the app's fetch handler. The internal API and the proxies point
// where nothing listens: a press ends in a retryable error, which is counted as one.
const NOWHERE = {
  INTERNAL_API_URL: "http://127.0.0.1:9/",
  REDIS_REST_URL: "http://127.0.0.1:9/",
  KAFKA_REST_URL: "http://127.0.0.1:9/",
};
const OWN_TOKEN = "an-internal-token-of-its-own-32-bytes";
const JWT_SECRET = "a-test-secret-of-32-characters!!";

const scrape = (app: ReturnType<typeof createGatewayApp>, authorization?: string) =>
  app.fetch(
    new Request("http://localhost/metrics", { headers: authorization ? { authorization } : {} }),
  );

describe("the gateway's /metrics", () => {
  it("is open in development mode and counts each press by its outcome", async () => {
    const app = createGatewayApp(readGatewayConfig({ ...NOWHERE, PRODUCE_TIMEOUT_MS: "200" }));
    const before = await (await scrape(app)).text();
    expect(before).toContain('coupon_drop_admissions_total{outcome="error"} 0');
    const press = await app.fetch(
      new Request("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": "7" },
        body: JSON.stringify({ query: 'mutation { issueCoupon(couponId: "1") { __typename } }' }),
      }),
    );
    expect(((await press.json()) as { errors?: unknown[] }).errors).toHaveLength(1);
    const response = await scrape(app);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('coupon_drop_admissions_total{outcome="error"} 1');
    expect(text).toContain('coupon_drop_answer_duration_seconds_count{outcome="error"} 1');
    expect(text).toContain('coupon_drop_admissions_total{outcome="accepted"} 0');
  });

  it("asks for a scrape token of its own (METRICS_TOKEN), not the internal API's", async () => {
    const internalToken = `internal-${OWN_TOKEN}`;
    const app = createGatewayApp(
      readGatewayConfig({
        ...NOWHERE,
        JWT_SECRET,
        INTERNAL_API_TOKEN: internalToken,
        METRICS_TOKEN: OWN_TOKEN,
      }),
    );
    for (const authorization of [
      undefined,
      "Bearer wrong",
      `Basic ${OWN_TOKEN}`,
      `Bearer ${internalToken}`,
    ]) {
      const refused = await scrape(app, authorization);
      expect(refused.status, authorization).toBe(401);
      expect(await refused.text()).not.toMatch(/coupon_drop_/);
    }
    const allowed = await scrape(app, `Bearer ${OWN_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/coupon_drop_admissions_total/);
  });

  it("serves nothing outside development mode without METRICS_TOKEN, whatever the internal token", async () => {
    for (const internal of [{}, { INTERNAL_API_TOKEN: `internal-${OWN_TOKEN}` }]) {
      const app = createGatewayApp(readGatewayConfig({ ...NOWHERE, JWT_SECRET, ...internal }));
      for (const token of ["dev-internal-token", `internal-${OWN_TOKEN}`]) {
        const response = await scrape(app, `Bearer ${token}`);
        expect(response.status).toBe(404);
        expect(await response.text()).not.toMatch(/coupon_drop_/);
      }
    }
  });
});
