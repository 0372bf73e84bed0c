import { describe, expect, it } from "vitest";
import { readGatewayConfig, workerBindingsAsEnv } from "./config.ts";

describe("gateway configuration", () => {
  it("produces to the pinned topic with unprefixed keys unless told otherwise", () => {
    expect(readGatewayConfig({})).toMatchObject({
      issueTopic: "coupon-issue-requests",
      redisKeyPrefix: "",
    });
    expect(readGatewayConfig({ ISSUE_TOPIC: "issues-a", REDIS_KEY_PREFIX: "a:" })).toMatchObject({
      issueTopic: "issues-a",
      redisKeyPrefix: "a:",
    });
    expect(() => readGatewayConfig({ REDIS_KEY_PREFIX: "a,b" })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it("knows which pipelines the deployment runs: both unless ISSUE_PIPELINES names fewer", () => {
    expect(readGatewayConfig({}).pipelines).toEqual(["KAFKA", "REDIS_STREAM"]);
    expect(readGatewayConfig({ ISSUE_PIPELINES: "REDIS_STREAM" }).pipelines).toEqual([
      "REDIS_STREAM",
    ]);
    expect(() => readGatewayConfig({ ISSUE_PIPELINES: "RABBIT" })).toThrow(/ISSUE_PIPELINES/);
  });

  it("limits presses per user and per client address by default, and reads the limits given", () => {
    expect(readGatewayConfig({})).toMatchObject({
      rateLimits: {
        user: { capacity: 30, refillPerSecond: 5 },
        address: { capacity: 600, refillPerSecond: 200 },
      },
      trustedProxy: null,
      unknownCouponTtlMs: 5000,
    });
    expect(
      readGatewayConfig({
        RATE_LIMIT_USER_CAPACITY: "3",
        RATE_LIMIT_USER_REFILL_PER_SECOND: "0.5",
        RATE_LIMIT_IP_CAPACITY: "10",
        RATE_LIMIT_IP_REFILL_PER_SECOND: "2",
        TRUSTED_PROXY_HEADER: "X-Forwarded-For",
        TRUSTED_PROXY_HOPS: "2",
        UNKNOWN_COUPON_CACHE_MS: "0",
      }),
    ).toMatchObject({
      rateLimits: {
        user: { capacity: 3, refillPerSecond: 0.5 },
        address: { capacity: 10, refillPerSecond: 2 },
      },
      trustedProxy: { header: "x-forwarded-for", hops: 2 },
      unknownCouponTtlMs: 0,
    });
  });

  it("refuses rate limits that would limit nothing or everything, and a header that is no name", () => {
    for (const [name, value] of [
      ["RATE_LIMIT_USER_CAPACITY", "0"],
      ["RATE_LIMIT_IP_CAPACITY", "1.5"],
      ["RATE_LIMIT_USER_REFILL_PER_SECOND", "0"],
      ["RATE_LIMIT_IP_REFILL_PER_SECOND", "Infinity"],
      ["RATE_LIMIT_USER_CAPACITY", "1000001"],
      ["RATE_LIMIT_USER_REFILL_PER_SECOND", "0.0001"],
      ["TRUSTED_PROXY_HEADER", "x forwarded for"],
      ["TRUSTED_PROXY_HOPS", "0"],
      ["UNKNOWN_COUPON_CACHE_MS", "-1"],
    ] as const)
      expect(() => readGatewayConfig({ [name]: value }), name).toThrow(new RegExp(name));
  });
});

const SECRET = "s".repeat(32);
const OWN = "o".repeat(32);
/** What a gateway facing the network sends to services of their own credentials. */
const PRODUCTION_SERVICES = {
  REDIS_REST_URL: "https://redis-rest.internal",
  REDIS_REST_TOKEN: OWN,
  KAFKA_REST_URL: "https://kafka-rest.internal",
  KAFKA_REST_PASSWORD: OWN,
  INTERNAL_API_URL: "http://control.internal:4001",
  INTERNAL_API_TOKEN: OWN,
  EVENT_SIGNING_KEY: OWN,
  WATCH_TOKEN_SECRET: "w".repeat(32),
};

describe("gateway configuration: AUTH_MODE", () => {
  it("is development mode by default on loopback, as npm start runs it", () => {
    expect(readGatewayConfig({}).identity).toEqual({ mode: "development" });
    for (const HOST of ["localhost", "::1", "127.0.0.2"])
      expect(readGatewayConfig({ HOST }).identity).toEqual({ mode: "development" });
  });

  it("refuses to start on any other address without AUTH_MODE, and says what to set", () => {
    expect(() => readGatewayConfig({ HOST: "0.0.0.0" })).toThrow(
      /^refusing to start on HOST=0\.0\.0\.0 without AUTH_MODE: .*set AUTH_MODE=jwt and JWT_SECRET or JWT_JWKS_URL$/,
    );
    expect(() => readGatewayConfig({ HOST: "10.0.0.5", AUTH_MODE: "development" })).toThrow(
      /^refusing to start on HOST=10\.0\.0\.5 with AUTH_MODE=development: .*serves loopback only/,
    );
  });

  it("refuses JWT mode without a key, with two, or with a secret under 32 bytes", () => {
    expect(() => readGatewayConfig({ AUTH_MODE: "jwt" })).toThrow(
      /^refusing to start in JWT mode without a key: set JWT_SECRET \(HS256, at least 32 bytes\) or JWT_JWKS_URL$/,
    );
    // A JWT setting alone means JWT mode: it never falls back to trusting x-user-id.
    expect(() => readGatewayConfig({ JWT_ISSUER: "https://id.example" })).toThrow(
      /JWT mode without a key/,
    );
    expect(() =>
      readGatewayConfig({ JWT_SECRET: SECRET, JWT_JWKS_URL: "https://id.example/jwks.json" }),
    ).toThrow(/^set one of JWT_SECRET and JWT_JWKS_URL, not both$/);
    expect(() => readGatewayConfig({ JWT_SECRET: SECRET.slice(1) })).toThrow(
      /^JWT_SECRET is 31 bytes long, and a secret of its own must be at least 32: set JWT_SECRET/,
    );
  });

  it("refuses development mode told to ignore JWT settings", () => {
    expect(() => readGatewayConfig({ AUTH_MODE: "development", JWT_SECRET: SECRET })).toThrow(
      /^AUTH_MODE=development ignores JWT_SECRET: set AUTH_MODE=jwt, or unset them$/,
    );
  });

  it("fetches a JWKS over https, or over http from loopback only", () => {
    expect(() => readGatewayConfig({ JWT_JWKS_URL: "http://id.example/jwks.json" })).toThrow(
      /^JWT_JWKS_URL must be https/,
    );
    expect(
      readGatewayConfig({ JWT_JWKS_URL: "http://127.0.0.1:8000/jwks" }).identity,
    ).toMatchObject({ mode: "jwt", jwksUrl: "http://127.0.0.1:8000/jwks", secret: null });
  });

  it("reads JWT mode with its issuer and audiences, on any address", () => {
    expect(
      readGatewayConfig({
        ...PRODUCTION_SERVICES,
        HOST: "0.0.0.0",
        AUTH_MODE: "jwt",
        JWT_JWKS_URL: "https://id.example/.well-known/jwks.json",
        JWT_ISSUER: "https://id.example/",
        JWT_AUDIENCE: "coupon-drop, coupon-drop-admin",
      }).identity,
    ).toEqual({
      mode: "jwt",
      secret: null,
      jwksUrl: "https://id.example/.well-known/jwks.json",
      issuer: "https://id.example/",
      audience: ["coupon-drop", "coupon-drop-admin"],
      maxTokenAgeSeconds: null,
    });
    expect(
      readGatewayConfig({
        HOST: "0.0.0.0",
        JWT_SECRET: SECRET,
        JWT_AUDIENCE: "coupon-drop",
        JWT_MAX_TOKEN_AGE_SECONDS: "3600",
        EVENT_SIGNING_KEY: OWN,
        WATCH_TOKEN_SECRET: OWN,
      }).identity,
    ).toEqual({
      mode: "jwt",
      secret: SECRET,
      jwksUrl: null,
      issuer: null,
      audience: ["coupon-drop"],
      maxTokenAgeSeconds: 3600,
    });
  });

  it("refuses JWT mode off loopback without an audience, which loopback may leave out", () => {
    for (const env of [
      { JWT_SECRET: SECRET },
      { JWT_JWKS_URL: "https://id.example/jwks.json", JWT_ISSUER: "https://id.example/" },
      { JWT_SECRET: SECRET, JWT_AUDIENCE: " , " },
    ])
      expect(() => readGatewayConfig({ ...env, HOST: "0.0.0.0", EVENT_SIGNING_KEY: OWN })).toThrow(
        /^refusing to start JWT mode on HOST=0\.0\.0\.0 without JWT_AUDIENCE/,
      );
    expect(readGatewayConfig({ JWT_SECRET: SECRET }).identity).toMatchObject({ audience: null });
  });

  it("refuses a maximum token age that is not a whole number of seconds", () => {
    for (const age of ["0", "-5", "1.5", "an hour"])
      expect(
        () => readGatewayConfig({ JWT_SECRET: SECRET, JWT_MAX_TOKEN_AGE_SECONDS: age }),
        age,
      ).toThrow(/JWT_MAX_TOKEN_AGE_SECONDS/);
  });
});

describe("gateway configuration: the credentials it sends", () => {
  it("sends the development credentials to loopback only, and names the variable", () => {
    for (const [url, variable] of [
      ["REDIS_REST_URL", "REDIS_REST_TOKEN"],
      ["KAFKA_REST_URL", "KAFKA_REST_PASSWORD"],
      ["INTERNAL_API_URL", "INTERNAL_API_TOKEN"],
    ] as const) {
      const env = { ...PRODUCTION_SERVICES, [variable]: undefined };
      expect(() => readGatewayConfig(env), variable).toThrow(
        new RegExp(
          `^refusing to send the development ${variable} to .*\\.internal.*set ${variable}`,
        ),
      );
      expect(() => readGatewayConfig({ [url]: PRODUCTION_SERVICES[url] })).toThrow(variable);
    }
    expect(() => readGatewayConfig(PRODUCTION_SERVICES)).not.toThrow();
  });

  it("refuses a credential of its own under 32 bytes", () => {
    expect(() => readGatewayConfig({ INTERNAL_API_TOKEN: "short-own-token" })).toThrow(
      /^INTERNAL_API_TOKEN is 15 bytes long/,
    );
  });
});

describe("gateway configuration: the watch tokens' key", () => {
  it("signs with the development key on loopback only, a key of its own at least 32 bytes, never JWT_SECRET", () => {
    expect(readGatewayConfig({}).watchTokens).toEqual({
      secret: "dev-watch-token-secret",
      ttlMs: 300_000,
    });
    const { WATCH_TOKEN_SECRET: _, ...withoutKey } = PRODUCTION_SERVICES;
    expect(() =>
      readGatewayConfig({ ...withoutKey, HOST: "0.0.0.0", JWT_SECRET: SECRET, JWT_AUDIENCE: "a" }),
    ).toThrow(
      /^refusing to listen on 0\.0\.0\.0 with the development credentials.*set WATCH_TOKEN_SECRET/,
    );
    expect(() => readGatewayConfig({ WATCH_TOKEN_SECRET: "short" })).toThrow(
      /^WATCH_TOKEN_SECRET is 5 bytes long/,
    );
    expect(() => readGatewayConfig({ JWT_SECRET: SECRET, WATCH_TOKEN_SECRET: SECRET })).toThrow(
      /^WATCH_TOKEN_SECRET must differ from JWT_SECRET/,
    );
    expect(
      readGatewayConfig({
        ...PRODUCTION_SERVICES,
        HOST: "0.0.0.0",
        JWT_SECRET: SECRET,
        JWT_AUDIENCE: "coupon-drop",
        WATCH_TOKEN_TTL_MS: "60000",
      }).watchTokens,
    ).toEqual({ secret: "w".repeat(32), ttlMs: 60_000 });
    expect(() => readGatewayConfig({ WATCH_TOKEN_TTL_MS: "10" })).toThrow(/WATCH_TOKEN_TTL_MS/);
  });
});

describe("gateway configuration: the event signing key", () => {
  it("signs with the development key on loopback only, and names the variable", () => {
    expect(readGatewayConfig({}).eventSigningKey).toBe("dev-event-signing-key");
    const jwt = { JWT_SECRET: SECRET, JWT_AUDIENCE: "coupon-drop" };
    expect(() => readGatewayConfig({ ...jwt, HOST: "0.0.0.0" })).toThrow(
      /^refusing the development event signing key with HOST on 0\.0\.0\.0.*set EVENT_SIGNING_KEY/,
    );
    const { EVENT_SIGNING_KEY: _, ...withoutKey } = PRODUCTION_SERVICES;
    expect(() => readGatewayConfig(withoutKey)).toThrow(
      /^refusing the development event signing key with KAFKA_REST_URL on kafka-rest\.internal/,
    );
    expect(() =>
      readGatewayConfig({
        ...PRODUCTION_SERVICES,
        EVENT_VERIFICATION_KEYS: "dev-event-signing-key",
      }),
    ).toThrow(/development event signing key/);
    expect(
      readGatewayConfig({
        ...jwt,
        HOST: "0.0.0.0",
        EVENT_SIGNING_KEY: OWN,
        WATCH_TOKEN_SECRET: `watch-${OWN}`,
      }).eventSigningKey,
    ).toBe(OWN);
  });

  it("refuses a key of its own under 32 bytes", () => {
    expect(() => readGatewayConfig({ EVENT_SIGNING_KEY: "k".repeat(31) })).toThrow(
      /^EVENT_SIGNING_KEY is 31 bytes long/,
    );
    expect(() =>
      readGatewayConfig({ EVENT_SIGNING_KEY: OWN, EVENT_VERIFICATION_KEYS: `${SECRET},short` }),
    ).toThrow(/^EVENT_VERIFICATION_KEYS is 5 bytes long/);
  });
});

describe("gateway configuration: a Worker's bindings", () => {
  it("counts a Worker without HOST as public: development mode and its secrets are refused", () => {
    expect(() => readGatewayConfig(workerBindingsAsEnv({}))).toThrow(
      /refusing to start on HOST=0\.0\.0\.0 without AUTH_MODE/,
    );
    const deployed = readGatewayConfig(
      workerBindingsAsEnv({
        JWT_SECRET: "a-production-secret-of-its-own-32+",
        JWT_AUDIENCE: "coupon-drop",
        EVENT_SIGNING_KEY: "events-a-production-secret-of-its-own-32+",
        REDIS_REST_URL: "https://redis.shop.example",
        REDIS_REST_TOKEN: "redis-a-production-secret-of-its-own-32+",
        KAFKA_REST_URL: "https://kafka.shop.example",
        KAFKA_REST_PASSWORD: "kafka-a-production-secret-of-its-own-32+",
        INTERNAL_API_URL: "https://control.shop.example",
        INTERNAL_API_TOKEN: "internal-a-production-secret-of-its-own-32+",
        WATCH_TOKEN_SECRET: "watch-a-production-secret-of-its-own-32+",
      }),
    );
    expect(deployed).toMatchObject({ host: "0.0.0.0", identity: { mode: "jwt" } });
  });

  it("reads the string bindings, skips the null ones of unset variables, and serves loopback in development", () => {
    const local = readGatewayConfig(
      workerBindingsAsEnv({ HOST: "127.0.0.1", ISSUE_TOPIC: "issues-w", JWT_SECRET: null }),
    );
    expect(local).toMatchObject({
      host: "127.0.0.1",
      issueTopic: "issues-w",
      identity: { mode: "development" },
    });
  });
});

describe("gateway configuration: trusted documents", () => {
  const apollo = JSON.stringify({
    format: "apollo-persisted-query-manifest",
    version: 1,
    operations: [
      { id: "a1", name: "Grab", type: "mutation", body: "mutation Grab { __typename }" },
    ],
  });
  const files: Record<string, string> = {
    "/etc/app/manifest.json": apollo,
    "/etc/app/broken.json": '{"format":"apollo-persisted-query-manifest","version":2}',
  };
  const readTextFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return text;
  };

  it("is off with no manifest by default", () => {
    expect(readGatewayConfig({}).trustedDocuments).toEqual({ mode: "off", manifest: new Map() });
  });

  it("reads the manifest file once, through the runtime's file reader", () => {
    const config = readGatewayConfig(
      { TRUSTED_DOCUMENTS: "only", TRUSTED_DOCUMENTS_FILE: "/etc/app/manifest.json" },
      { readTextFile },
    );
    expect(config.trustedDocuments.mode).toBe("only");
    expect([...config.trustedDocuments.manifest]).toEqual([["a1", "mutation Grab { __typename }"]]);
  });

  it("takes the manifest's text from TRUSTED_DOCUMENTS_MANIFEST, as a Worker's binding holds it", () => {
    const config = readGatewayConfig({
      TRUSTED_DOCUMENTS: "allow",
      TRUSTED_DOCUMENTS_MANIFEST: JSON.stringify({ h1: "query A { __typename }" }),
    });
    expect(config.trustedDocuments.manifest.get("h1")).toBe("query A { __typename }");
  });

  it("refuses to start on a manifest it cannot use, saying why", () => {
    const only = { TRUSTED_DOCUMENTS: "only" };
    expect(() =>
      readGatewayConfig(
        { ...only, TRUSTED_DOCUMENTS_FILE: "/etc/app/missing.json" },
        { readTextFile },
      ),
    ).toThrow(/TRUSTED_DOCUMENTS_FILE=\/etc\/app\/missing.json cannot be read: ENOENT/);
    expect(() =>
      readGatewayConfig(
        { ...only, TRUSTED_DOCUMENTS_FILE: "/etc/app/broken.json" },
        { readTextFile },
      ),
    ).toThrow(/is no Apollo persisted-query manifest.*version/);
    expect(() =>
      readGatewayConfig({ ...only, TRUSTED_DOCUMENTS_FILE: "/etc/app/manifest.json" }),
    ).toThrow(/no file system; put the manifest's text in TRUSTED_DOCUMENTS_MANIFEST/);
    expect(() => readGatewayConfig({ TRUSTED_DOCUMENTS_MANIFEST: apollo })).toThrow(
      /TRUSTED_DOCUMENTS=off would not use it/,
    );
    expect(() =>
      readGatewayConfig(
        {
          ...only,
          TRUSTED_DOCUMENTS_MANIFEST: apollo,
          TRUSTED_DOCUMENTS_FILE: "/etc/app/manifest.json",
        },
        { readTextFile },
      ),
    ).toThrow(/not both/);
  });
});
