import { describe, expect, it } from "vitest";
import { createGatewayApp } from "./app.ts";
import { readGatewayConfig } from "./config.ts";

// Through the whole app: the check is the chain's first plugin, so nothing behind it runs for a
// request it refuses (the internal API points where nothing listens: a query that got through and
// needed it would fail otherwise).
const NOWHERE = { INTERNAL_API_URL: "http://127.0.0.1:9/" };

async function ask(
  app: ReturnType<typeof createGatewayApp>,
  url: string,
  headers: Record<string, string> = {},
) {
  const response = await app.fetch(
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "7", ...headers },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
  );
  return { status: response.status, body: await response.json() };
}

describe("the gateway's host check", () => {
  const development = createGatewayApp(readGatewayConfig(NOWHERE));

  it("answers loopback names on loopback, and 421 to a name an attacker's DNS rebound to it", async () => {
    for (const url of ["http://127.0.0.1:4000/graphql", "http://localhost:4000/graphql"])
      expect(await ask(development, url)).toEqual({
        status: 200,
        body: { data: { __typename: "Query" } },
      });
    const rebound = await ask(development, "http://rebind.evil.example:4000/graphql");
    expect(rebound.status).toBe(421);
    expect(rebound.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^Host "rebind\.evil\.example:4000" is not served here/),
      extensions: { code: "HOST_NOT_ALLOWED" },
    });
  });

  it("answers the names ALLOWED_HOSTS adds (a reverse proxy of one's own on the machine)", async () => {
    const proxied = createGatewayApp(readGatewayConfig({ ...NOWHERE, ALLOWED_HOSTS: "shop.test" }));
    expect((await ask(proxied, "http://shop.test/graphql")).status).toBe(200);
    expect((await ask(proxied, "http://rebind.evil.example/graphql")).status).toBe(421);
  });

  it("in development mode refuses what a proxy or tunnel forwarded, unless a trusted proxy header is set", async () => {
    for (const header of ["x-forwarded-for", "forwarded", "x-forwarded-host", "x-real-ip"]) {
      const forwarded = await ask(development, "http://127.0.0.1:4000/graphql", {
        [header]: "203.0.113.9",
      });
      expect(forwarded.status, header).toBe(403);
      expect(forwarded.body.errors[0].extensions.code).toBe("FORWARDED_REQUEST_REFUSED");
    }
    const behindOwnProxy = createGatewayApp(
      readGatewayConfig({ ...NOWHERE, TRUSTED_PROXY_HEADER: "x-forwarded-for" }),
    );
    expect(
      (await ask(behindOwnProxy, "http://127.0.0.1/graphql", { "x-forwarded-for": "203.0.113.9" }))
        .status,
    ).toBe(200);
  });

  it("in JWT mode lets forwarded requests through (a deployment sits behind proxies)", async () => {
    const jwt = createGatewayApp(
      readGatewayConfig({ ...NOWHERE, JWT_SECRET: "a-test-secret-of-32-characters!!" }),
    );
    expect(
      (await ask(jwt, "http://127.0.0.1/graphql", { "x-forwarded-for": "203.0.113.9" })).status,
    ).toBe(200);
  });
});
