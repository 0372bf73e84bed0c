import { describe, expect, it } from "vitest";
import { createGatewayApp } from "../app.ts";
import { readGatewayConfig } from "../config.ts";

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
    new Request("http://gateway/metrics", { headers: authorization ? { authorization } : {} }),
  );

describe("the gateway's /metrics", () => {
  it("is open in development mode and counts each press by its outcome", async () => {
    const app = createGatewayApp(readGatewayConfig({ ...NOWHERE, PRODUCE_TIMEOUT_MS: "200" }));
    const before = await (await scrape(app)).text();
    expect(before).toContain('coupon_drop_admissions_total{outcome="error"} 0');
    const press = await app.fetch(
      new Request("http://gateway/graphql", {
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

  it("asks for the internal API's own token outside development mode", async () => {
    const app = createGatewayApp(
      readGatewayConfig({ ...NOWHERE, JWT_SECRET, INTERNAL_API_TOKEN: OWN_TOKEN }),
    );
    for (const authorization of [undefined, "Bearer wrong", `Basic ${OWN_TOKEN}`]) {
      const refused = await scrape(app, authorization);
      expect(refused.status, authorization).toBe(401);
      expect(await refused.text()).not.toMatch(/coupon_drop_/);
    }
    const allowed = await scrape(app, `Bearer ${OWN_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/coupon_drop_admissions_total/);
  });

  it("serves nothing outside development mode while the token is the published one", async () => {
    const app = createGatewayApp(readGatewayConfig({ ...NOWHERE, JWT_SECRET }));
    const response = await scrape(app, "Bearer dev-internal-token");
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/coupon_drop_/);
  });
});
