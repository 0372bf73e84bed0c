// An attacker facing a gateway started for production (AUTH_MODE=jwt, an HS256 secret, issuer and
// audience checked, internal credentials of its own) tries to be someone else: a forged x-user-id,
// tokens without a signature, signed with the wrong key, expired, without exp, for another issuer
// or audience, with a broken signature; a customer's token on admin operations; another user's
// request id; the published internal token on the internal API and the metrics. Each is refused
// with what the attacker sees checked (status, code, no detail) and nothing written. A second
// system takes its keys from an identity provider's JWKS.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_TOKEN_MESSAGE } from "#gateway/schema/errors.ts";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { createRedisKeys } from "#shared/redis/keys.ts";
import {
  CREATE_COUPON,
  createGraphqlClient,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  REQUEST_STATUS,
} from "#test-support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { type SystemNames, uniqueSystemNames } from "#test-support/unique-name.ts";

const SECRET = new TextEncoder().encode(`hs256-secret-${crypto.randomUUID()}`);
const ISSUER = "https://id.shop.example/";
const AUDIENCE = "coupon-drop";
const INTERNAL_TOKEN = `internal-token-${crypto.randomUUID()}`;
const METRICS_TOKEN = `metrics-token-${crypto.randomUUID()}`;
const DASHBOARD_TOKEN = `dashboard-token-${crypto.randomUUID()}`;
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token as the shop's identity service issues it: valid for five minutes, for this audience. */
function hs256(claims: Record<string, unknown>, secret: Uint8Array = SECRET): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(secret);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Everything Redis holds for a coupon's admission, to show an attempt changed nothing. */
async function admissionState(redis: Redis, names: SystemNames, couponId: string) {
  const keys = createRedisKeys(names.redisKeyPrefix).coupon(couponId);
  return {
    meta: await redis.hgetall(keys.meta),
    users: await redis.hgetall(keys.users),
    pending: await redis.zrange(keys.pending, "0", "-1"),
    requests: await redis.hgetall(keys.requests),
  };
}

describe("a gateway in JWT mode with an HS256 secret", () => {
  const names = uniqueSystemNames();
  let system: SystemUnderTest;
  let redis: Redis;
  let db: pg.Pool;
  let admin: Record<string, string>;
  const internal = { INTERNAL_API_TOKEN: INTERNAL_TOKEN, METRICS_TOKEN };

  beforeAll(async () => {
    system = await startSystem({
      workers: 1,
      names,
      extraEnv: {
        gateway: {
          AUTH_MODE: "jwt",
          JWT_SECRET: new TextDecoder().decode(SECRET),
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          ...internal,
        },
        control: { ...internal, DASHBOARD_TOKEN },
        worker: internal,
      },
    });
    redis = new Redis(system.env.REDIS_URL);
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
    admin = bearer(await hs256({ sub: "1", roles: ["admin"] }));
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await system?.stop();
  });

  const gql = (
    query: string,
    variables: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => post(system.graphqlUrl, query, variables, headers);

  async function createCoupon(totalQuantity: number): Promise<string> {
    const answer = await gql(
      CREATE_COUPON,
      { input: { name: `identity ${crypto.randomUUID()}`, totalQuantity } },
      admin,
    );
    expect(answer.body.errors).toBeUndefined();
    return (answer.body.data?.createCoupon as { id: string } | undefined)?.id as string;
  }

  async function press(couponId: string, headers: Record<string, string>) {
    return gql(ISSUE_COUPON, { couponId }, headers);
  }

  it("ignores a forged x-user-id: without a token nothing is admitted, with one the token decides", async () => {
    const couponId = await createCoupon(5);
    const before = await admissionState(redis, names, couponId);

    const forged = await press(couponId, { "x-user-id": "9001" });
    expect(forged.status).toBe(401);
    expect(forged.body.data).toBeNull();
    expect(forged.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await admissionState(redis, names, couponId)).toEqual(before);

    const customer = bearer(await hs256({ sub: "9002" }));
    const pressed = await press(couponId, { ...customer, "x-user-id": "9001" });
    expect(pressed.status).toBe(200);
    const accepted = pressed.body.data?.issueCoupon as { __typename: string; requestId: string };
    expect(accepted.__typename).toBe("IssueAccepted");
    const after = await admissionState(redis, names, couponId);
    expect(Object.keys(after.users)).toEqual(["9002"]);
    const read = await gql(ISSUE_REQUEST, { requestId: accepted.requestId }, customer);
    expect(read.body.data?.issueRequest).toMatchObject({ userId: "9002" });
  });

  it("refuses every bad token with 401 UNAUTHENTICATED, never a 500, and admits nothing", async () => {
    const couponId = await createCoupon(5);
    const before = await admissionState(redis, names, couponId);
    const good = await hs256({ sub: "9100" });
    const [head, payload, signature] = good.split(".") as [string, string, string];
    const otherKey = new TextEncoder().encode(`another-secret-${crypto.randomUUID()}`);
    const attempts: Record<string, string> = {
      "alg none": `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "9101", iss: ISSUER, aud: AUDIENCE, exp: now() + 300, roles: ["admin"] })}.`,
      "another key": await hs256({ sub: "9102", roles: ["admin"] }, otherKey),
      expired: await hs256({ sub: "9103", exp: now() - 120 }),
      "no exp": await hs256({ sub: "9104", exp: undefined }),
      "exp not a number": await hs256({ sub: "9105", exp: String(now() + 300) }),
      "another issuer": await hs256({ sub: "9106", iss: "https://evil.example/" }),
      "no issuer": await hs256({ sub: "9107", iss: undefined }),
      "another audience": await hs256({ sub: "9108", aud: "another-app" }),
      "signature not base64url": `${head}.${payload}.%%%${signature.slice(3)}`,
      "signature cut short": `${head}.${payload}.${signature.slice(0, 20)}`,
      "payload swapped under the signature": `${head}.${b64url({ sub: "9109", iss: ISSUER, aud: AUDIENCE, exp: now() + 300, roles: ["admin"] })}.${signature}`,
      "no JWT at all": "let-me-in",
      "sub not a user id": await hs256({ sub: "alice" }),
    };
    const messages = new Set<string>();
    for (const [attempt, token] of Object.entries(attempts)) {
      for (const headers of [bearer(token), { authorization: `Basic ${token}` }]) {
        const answer = await press(couponId, headers);
        expect(answer.status, attempt).toBe(401);
        expect(answer.headers.get("www-authenticate"), attempt).toBe(
          'Bearer error="invalid_token"',
        );
        expect(answer.body.data, attempt).toBeUndefined();
        expect(answer.body.errors, attempt).toHaveLength(1);
        expect(answer.body.errors?.[0]?.extensions, attempt).toEqual({ code: "UNAUTHENTICATED" });
        messages.add(answer.body.errors?.[0]?.message as string);
      }
    }
    // One fixed message: which check failed is not told to someone trying tokens.
    expect(messages.size).toBe(1);
    expect([...messages]).toEqual([INVALID_TOKEN_MESSAGE]);
    // The whole request is refused, fields that need no identity too.
    const lookup = await gql(
      "query($id: ID!) { coupon(id: $id) { id } }",
      { id: couponId },
      bearer(attempts.expired as string),
    );
    expect(lookup.status).toBe(401);
    expect(lookup.body.data).toBeUndefined();
    expect(await admissionState(redis, names, couponId)).toEqual(before);
  });

  it("keeps every admin operation from a customer's token, and creates nothing", async () => {
    const name = `not by a customer ${crypto.randomUUID()}`;
    for (const roles of [["customer"], "admin", undefined]) {
      const customer = bearer(await hs256({ sub: "9200", roles }));
      const operations: Array<[string, Record<string, unknown>]> = [
        [CREATE_COUPON, { input: { name, totalQuantity: 1_000_000 } }],
        ["{ deadLetters { total deadLetters { payload } } }", {}],
        ['mutation { replayDeadLetter(id: "1") { outcome } }', {}],
        ['mutation { replayDeadLetters(couponId: "1") { outcome } }', {}],
      ];
      for (const [query, variables] of operations) {
        const answer = await gql(query, variables, customer);
        expect(answer.body.data, query).toBeNull();
        expect(answer.body.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
      }
    }
    const { rows } = await db.query("SELECT count(*)::int AS n FROM coupon WHERE name = $1", [
      name,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("answers another user's request exactly as an unknown one, to the query and the subscription", async () => {
    const couponId = await createCoupon(5);
    const owner = bearer(await hs256({ sub: "9300" }));
    const pressed = await press(couponId, owner);
    const requestId = (pressed.body.data?.issueCoupon as { requestId: string } | undefined)
      ?.requestId as string;
    const unknownId = crypto.randomUUID();
    const stranger = bearer(await hs256({ sub: "9301" }));

    const unknown = await gql(ISSUE_REQUEST, { requestId: unknownId }, stranger);
    expect(unknown.body).toEqual({ data: { issueRequest: null } });
    const others: Array<Record<string, string>> = [stranger, { "x-user-id": "9300" }, {}];
    for (const headers of others) {
      const answer = await gql(ISSUE_REQUEST, { requestId }, headers);
      expect(answer.status).toBe(unknown.status);
      expect(answer.body).toEqual(unknown.body);
    }
    expect((await gql(ISSUE_REQUEST, { requestId }, owner)).body.data?.issueRequest).toMatchObject({
      requestId,
      userId: "9300",
    });
    expect((await gql(ISSUE_REQUEST, { requestId }, admin)).body.data?.issueRequest).toMatchObject({
      requestId,
      userId: "9300",
    });

    const client = createGraphqlClient(system.graphqlUrl);
    const watch = (id: string, headers: Record<string, string>) =>
      client.subscribe<{ requestStatus: { status: string } }>(
        REQUEST_STATUS,
        { requestId: id },
        { headers, timeoutMs: 15_000 },
      );
    const unknownWatch = await watch(unknownId, stranger);
    expect(unknownWatch.events.map((e) => e.errors?.[0]?.extensions?.code)).toEqual(["NOT_FOUND"]);
    const strangerWatch = await watch(requestId, stranger);
    // The same answer but for the id the caller named.
    expect(JSON.stringify(strangerWatch).replaceAll(requestId, "<id>")).toBe(
      JSON.stringify(unknownWatch).replaceAll(unknownId, "<id>"),
    );
    const ownerWatch = await watch(requestId, owner);
    expect(ownerWatch.events.at(-1)?.data?.requestStatus.status).toBe("ISSUED");
    expect(ownerWatch.completed).toBe(true);
  });

  it("guards every /metrics with the scrape token, never the published one nor the internal API's", async () => {
    const worker = system.workers()[0]?.spec.healthUrl?.replace(/\/health$/, "") as string;
    const gateway = new URL(system.graphqlUrl).origin;
    for (const base of [system.internalApiUrl, worker, gateway]) {
      for (const authorization of [
        undefined,
        `Bearer ${LOCAL_DEFAULTS.INTERNAL_API_TOKEN}`,
        "Bearer x",
        `Bearer ${INTERNAL_TOKEN}`,
        `Bearer ${DASHBOARD_TOKEN}`,
      ]) {
        const refused = await fetch(`${base}/metrics`, {
          headers: authorization ? { authorization } : {},
        });
        expect(refused.status, `${base} ${authorization}`).toBe(401);
        expect(await refused.text()).not.toMatch(/coupon_drop_/);
      }
      const allowed = await fetch(`${base}/metrics`, { headers: bearer(METRICS_TOKEN) });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toMatch(/coupon_drop_/);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    }
    const published = await fetch(`${system.internalApiUrl}/internal/coupons/1`, {
      headers: bearer(LOCAL_DEFAULTS.INTERNAL_API_TOKEN),
    });
    expect(published.status).toBe(401);
  });

  it("hands each process only the credentials it uses: whoever takes the gateway finds no database or Redis credential", async () => {
    /** The variables a running process was started with, as the kernel keeps them. */
    const environmentOf = (name: string) => {
      const pid = system.process(name).pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
      return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry]));
    };
    // This test's own process holds them all (the test run's DATABASE_URL and REDIS_URL): what a
    // process lacks below, the launcher withheld.
    expect(process.env.DATABASE_URL).toBeDefined();
    const gateway = environmentOf("gateway");
    for (const variable of ["DATABASE_URL", "REDIS_URL", "DASHBOARD_TOKEN"])
      expect(gateway.has(variable), `gateway ${variable}`).toBe(false);
    expect(gateway.has("JWT_SECRET")).toBe(true);
    for (const proxy of ["redis-rest", "kafka-rest"]) {
      const held = environmentOf(proxy);
      for (const variable of ["DATABASE_URL", "INTERNAL_API_TOKEN", "JWT_SECRET", "METRICS_TOKEN"])
        expect(held.has(variable), `${proxy} ${variable}`).toBe(false);
    }
    expect(environmentOf("redis-rest").has("KAFKA_REST_PASSWORD")).toBe(false);
    expect(environmentOf("kafka-rest").has("REDIS_URL")).toBe(false);
    const control = environmentOf("control");
    for (const variable of ["JWT_SECRET", "REDIS_REST_TOKEN", "KAFKA_REST_PASSWORD"])
      expect(control.has(variable), `control ${variable}`).toBe(false);
    expect(control.has("DATABASE_URL")).toBe(true);
  });

  it("opens the internal API and the dashboard each to its own credential only: a scraper's creates no coupon", async () => {
    const name = `scraper's coupon ${crypto.randomUUID()}`;
    for (const token of [METRICS_TOKEN, DASHBOARD_TOKEN]) {
      const created = await fetch(`${system.internalApiUrl}/internal/coupons`, {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify({ name, totalQuantity: 5 }),
      });
      expect(created.status).toBe(401);
    }
    const { rows } = await db.query("SELECT count(*)::int AS n FROM coupon WHERE name = $1", [
      name,
    ]);
    expect(rows[0].n).toBe(0);
    const basic = (password: string) => ({
      authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`,
    });
    for (const headers of [
      bearer(METRICS_TOKEN),
      bearer(INTERNAL_TOKEN),
      basic(INTERNAL_TOKEN),
      basic(METRICS_TOKEN),
    ]) {
      const refused = await fetch(`${system.internalApiUrl}/dashboard/snapshot`, { headers });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toMatch(/coupons/);
    }
    for (const headers of [bearer(DASHBOARD_TOKEN), basic(DASHBOARD_TOKEN)])
      expect((await fetch(`${system.internalApiUrl}/dashboard/snapshot`, { headers })).status).toBe(
        200,
      );
  });

  it("tells the client a fixed message and a correlation id, and keeps host and cause for the log", async () => {
    const control = system.process("control");
    const internalPort = new URL(system.internalApiUrl).port;
    await control.stop();
    try {
      const answer = await gql('query { coupon(id: "1") { id } }', {});
      expect(answer.status).toBe(200);
      const [error] = answer.body.errors ?? [];
      expect(error).toMatchObject({
        message: "A service this request needs is unavailable for a moment; please try again.",
        extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true },
      });
      const correlationId = error?.extensions?.correlationId as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      const shown = JSON.stringify(answer.body);
      for (const detail of [
        "127.0.0.1",
        internalPort,
        "fetch failed",
        "ECONNREFUSED",
        "internal API",
      ])
        expect(shown).not.toContain(detail);
      const logged = system.lines.filter((line) => line.includes(correlationId));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(
        /^\[gateway\] TEMPORARILY_UNAVAILABLE .* at coupon: internal API unreachable/,
      );
    } finally {
      await control.restart();
    }
  });
});

describe("a gateway in JWT mode with keys from an identity provider's JWKS (on Deno)", () => {
  const names = uniqueSystemNames();
  let system: SystemUnderTest;
  let jwks: Server;
  const provider = generateKeyPair("ES256");
  const KID = "provider-key-1";

  beforeAll(async () => {
    const publicJwk: JWK = {
      ...(await exportJWK((await provider).publicKey)),
      kid: KID,
      alg: "ES256",
      use: "sig",
    };
    jwks = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    system = await startSystem({
      gatewayRuntime: "deno",
      workers: 1,
      names,
      extraEnv: { gateway: { AUTH_MODE: "jwt", JWT_JWKS_URL: jwksUrl, JWT_AUDIENCE: AUDIENCE } },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  });

  async function es256(
    claims: Record<string, unknown>,
    key: CryptoKey | Promise<CryptoKey>,
    kid = KID,
  ): Promise<string> {
    return new SignJWT({ aud: AUDIENCE, exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: "ES256", kid })
      .sign(await key);
  }

  it("takes the caller from a token the provider signed, not from x-user-id", async () => {
    const admin = bearer(
      await es256(
        { sub: "1", roles: ["admin"] },
        provider.then((p) => p.privateKey),
      ),
    );
    const created = await post(
      system.graphqlUrl,
      CREATE_COUPON,
      { input: { name: "jwks coupon", totalQuantity: 3 } },
      admin,
    );
    const couponId = (created.body.data?.createCoupon as { id: string } | undefined)?.id as string;
    const customer = bearer(
      await es256(
        { sub: "9400" },
        provider.then((p) => p.privateKey),
      ),
    );
    const pressed = await post(
      system.graphqlUrl,
      ISSUE_COUPON,
      { couponId },
      { ...customer, "x-user-id": "9401" },
    );
    const requestId = (pressed.body.data?.issueCoupon as { requestId: string } | undefined)
      ?.requestId as string;
    const read = await post(system.graphqlUrl, ISSUE_REQUEST, { requestId }, customer);
    expect(read.body.data?.issueRequest).toMatchObject({ requestId, userId: "9400" });
  });

  it("refuses another key, an HS256 token keyed with the public key, alg none and an expired token", async () => {
    const stranger = await generateKeyPair("ES256");
    const publicJwk = await exportJWK((await provider).publicKey);
    const attempts = {
      "another key, same kid": await es256({ sub: "9402" }, stranger.privateKey),
      "unknown kid": await es256({ sub: "9403" }, stranger.privateKey, "provider-key-2"),
      "HS256 with the public key as secret": await new SignJWT({
        sub: "9404",
        aud: AUDIENCE,
        exp: now() + 300,
      })
        .setProtectedHeader({ alg: "HS256", kid: KID })
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk))),
      "alg none": `${b64url({ alg: "none", kid: KID })}.${b64url({ sub: "9405", aud: AUDIENCE, exp: now() + 300 })}.`,
      expired: await es256(
        { sub: "9406", exp: now() - 120 },
        provider.then((p) => p.privateKey),
      ),
    };
    for (const [attempt, token] of Object.entries(attempts)) {
      const answer = await post(system.graphqlUrl, ISSUE_COUPON, { couponId: "1" }, bearer(token));
      expect(answer.status, attempt).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.code, attempt).toBe("UNAUTHENTICATED");
      expect(answer.body.data, attempt).toBeUndefined();
    }
  });
});
