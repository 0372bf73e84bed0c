// An anonymous attacker on the internet tries what the public GraphQL endpoint used to let through:
// thousands of aliased lookups in one request, a megabyte of query, a cross-site form that creates
// coupons, reading answers from another site, the schema through introspection and GraphiQL,
// thousands of held subscriptions, and a client that never finishes its headers. The gateway runs in
// the configuration of a public deployment (GraphiQL and introspection off, one allowed origin); its
// internal-API calls pass through a counter, so "nothing was called" is counted, not assumed.
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCountingForwarder } from "#test-support/counting-forwarder.ts";
import { createCoupon } from "#test-support/coupon-drop.ts";
import {
  CREATE_COUPON,
  createGraphqlClient,
  type GraphqlClient,
  ISSUE_COUPON,
  REQUEST_STATUS,
} from "#test-support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { waitUntil } from "#test-support/wait.ts";

const SHOP = "https://shop.example";
const PER_CALLER = 2;

let system: SystemUnderTest;
let gql: GraphqlClient;
let db: pg.Pool;
const internalApi = createCountingForwarder();

beforeAll(async () => {
  const forwarder = await internalApi.listen();
  system = await startSystem({
    workers: 1,
    extraEnv: {
      gateway: {
        GRAPHIQL: "false",
        INTROSPECTION: "false",
        CORS_ORIGINS: SHOP,
        SUBSCRIPTIONS_PER_CALLER: String(PER_CALLER),
        HTTP_HEADERS_TIMEOUT_MS: "1000",
        HTTP_REQUEST_TIMEOUT_MS: "2000",
        INTERNAL_API_URL: forwarder,
      },
      control: { HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2000" },
    },
  });
  internalApi.forwardTo(system.internalApiUrl);
  gql = createGraphqlClient(system.graphqlUrl);
  db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await system?.stop();
  await internalApi.close();
});

async function postJson(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(system.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** `{ c0: coupon(id: "1") { id } c1: ... }`: unknown ids, so each lookup goes to PostgreSQL. */
const aliasedCoupons = (n: number, id: (i: number) => string = (i) => String(i + 1)) =>
  `{${Array.from({ length: n }, (_, i) => `c${i}:coupon(id:"${id(i)}"){id}`).join(" ")}}`;

const couponCount = async () =>
  Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM coupon")).rows[0]?.n);

const accessControlHeaders = (headers: Headers) =>
  [...headers.keys()].filter((name) => name.startsWith("access-control-"));

describe("query limits: one request cannot fan out into thousands of reads", () => {
  it("refuses 2,000 aliased coupon lookups with a clear error, and calls the internal API not once", async () => {
    const before = internalApi.calls;
    const query = aliasedCoupons(2000);
    const answer = await postJson(JSON.stringify({ query }));
    expect(answer.status).not.toBe(413);
    const body = answer.json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].message).toMatch(/limit of \d+ exceeded/);
    expect(body.errors[0].extensions.code).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    expect(internalApi.calls - before).toBe(0);
  });

  it("refuses 16 aliases by the alias limit itself, and runs 15 with one call per coupon", async () => {
    const before = internalApi.calls;
    const refused = (await postJson(JSON.stringify({ query: aliasedCoupons(16) }))).json();
    expect(refused.errors[0]).toMatchObject({
      message: expect.stringMatching(/Aliases limit of 15 exceeded, found 16/),
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(internalApi.calls - before).toBe(0);
    // Within the limit it runs: unknown coupons are null, one lookup each, none twice.
    const fiveCoupons = aliasedCoupons(15, (i) => String(900_000_000 + (i % 5)));
    const allowed = (await postJson(JSON.stringify({ query: fiveCoupons }))).json();
    expect(allowed.errors).toBeUndefined();
    expect(Object.values(allowed.data)).toEqual(Array(15).fill(null));
    expect(internalApi.calls - before).toBe(5);
  });

  it("refuses a query of 60,000 aliases, nearly 2 MB, with 413 before reading it as GraphQL", async () => {
    const before = internalApi.calls;
    const body = JSON.stringify({ query: aliasedCoupons(60_000) });
    expect(body.length).toBeGreaterThan(1_100_000);
    const answer = await postJson(body);
    expect(answer.status).toBe(413);
    expect(answer.json().errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    expect(internalApi.calls - before).toBe(0);
  });

  it("refuses a chunked body (no Content-Length) over the limit with 413 on the real socket, unexecuted", async () => {
    const before = internalApi.calls;
    const body = JSON.stringify({ query: aliasedCoupons(20_000) });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(system.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      request.on("response", (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      });
      // The gateway may answer and close before it has read everything: that is the point.
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
      });
      for (let at = 0; at < body.length; at += 16 * 1024)
        request.write(body.slice(at, at + 16 * 1024));
      request.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    expect(internalApi.calls - before).toBe(0);
  });

  it("refuses a query under the size limit but far over the token limit, unexecuted", async () => {
    const before = internalApi.calls;
    const answer = (await postJson(JSON.stringify({ query: aliasedCoupons(1800) }))).json();
    expect(answer.data).toBeUndefined();
    expect(answer.errors[0]).toMatchObject({
      message: expect.stringMatching(/Token limit of \d+ exceeded/),
      extensions: { code: "GRAPHQL_PARSE_FAILED" },
    });
    expect(internalApi.calls - before).toBe(0);
  });
});

describe("cross-site requests", () => {
  const create = (name: string) =>
    JSON.stringify({ query: CREATE_COUPON, variables: { input: { name, totalQuantity: 1000 } } });

  it("refuses a cross-site form POST of createCoupon, and no coupon is created", async () => {
    const coupons = await couponCount();
    const before = internalApi.calls;
    const mutation =
      'mutation { createCoupon(input: { name: "forged", totalQuantity: 1000000 }) { id } }';
    for (const [type, payload] of [
      ["application/x-www-form-urlencoded", `query=${encodeURIComponent(mutation)}`],
      ["text/plain", create("forged")],
      [
        "multipart/form-data; boundary=b",
        `--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--b--\r\n`,
      ],
    ]) {
      const answer = await fetch(system.graphqlUrl, {
        method: "POST",
        headers: {
          "content-type": type as string,
          origin: "https://evil.example",
          "x-user-id": "1",
        },
        body: payload,
      });
      expect(answer.status, type).toBe(403);
      expect(
        ((await answer.json()) as { errors: Array<{ message: string }> }).errors[0]?.message,
      ).toBe("Required CSRF header(s) not present");
      expect(accessControlHeaders(answer.headers), type).toEqual([]);
    }
    expect(internalApi.calls - before).toBe(0);
    expect(await couponCount()).toBe(coupons);
  });

  it("gives an origin that is not on the allowlist no CORS header, preflight or request", async () => {
    for (const origin of ["https://evil.example", "null", `${SHOP}.evil.example`]) {
      const preflight = await fetch(system.graphqlUrl, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type, x-user-id",
        },
      });
      expect(accessControlHeaders(preflight.headers), origin).toEqual([]);
      const answer = await postJson(JSON.stringify({ query: "{ __typename }" }), { origin });
      expect(accessControlHeaders(answer.headers), origin).toEqual([]);
    }
  });

  it("answers the allowed origin with itself and no credentials", async () => {
    const answer = await postJson(JSON.stringify({ query: "{ __typename }" }), { origin: SHOP });
    expect(answer.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("the schema stays private in a public deployment", () => {
  it("serves no GraphiQL page", async () => {
    const page = await fetch(system.graphqlUrl, { headers: { accept: "text/html" } });
    expect(page.status).not.toBe(200);
    expect(await page.text()).not.toMatch(/graphiql/i);
  });

  it("refuses introspection, and suggests no field names", async () => {
    for (const query of [
      "{ __schema { types { name } } }",
      '{ __type(name: "Mutation") { fields { name } } }',
    ]) {
      const body = (await postJson(JSON.stringify({ query }))).json();
      expect(body.data).toBeUndefined();
      expect(body.errors[0]).toMatchObject({
        message: expect.stringMatching(/introspection has been disabled/),
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      });
    }
    const typo = (await postJson(JSON.stringify({ query: '{ coupn(id: "1") { id } }' }))).json();
    expect(typo.errors[0].message).not.toMatch(/Did you mean/);
    expect(typo.errors[0].message).not.toMatch(/coupon/);
  });
});

describe("subscriptions cannot be hoarded", () => {
  /** Opens requestStatus over SSE and reads its first event; the stream stays open until aborted. */
  async function open(requestId: string, userId?: string) {
    const abort = new AbortController();
    const response = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...(userId ? { "x-user-id": userId } : {}),
      },
      body: JSON.stringify({ query: REQUEST_STATUS, variables: { requestId } }),
      signal: abort.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (!/^data: .+$/m.test(buffer)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
    }
    const first = JSON.parse(/^data: (.+)$/m.exec(buffer)?.[1] ?? "{}") as {
      data?: { requestStatus: { status: string } };
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    return { first, close: () => abort.abort() };
  }

  async function pendingRequest(couponId: string, userId: string): Promise<string> {
    const pressed = await gql.request<{ issueCoupon: { __typename: string; requestId: string } }>(
      ISSUE_COUPON,
      { couponId },
      userId,
    );
    expect(pressed.data?.issueCoupon.__typename).toBe("IssueAccepted");
    return pressed.data?.issueCoupon.requestId as string;
  }

  it("refuses a caller's subscription beyond its share with a clear error, and frees the slot when one closes", async () => {
    const couponId = await createCoupon(gql, 10);
    // Workers held: the requests stay PENDING, so every subscription stays open.
    await system.pauseWorkers();
    const held: Array<{ close: () => void }> = [];
    try {
      const requestId = await pendingRequest(couponId, "5101");
      for (let i = 0; i < PER_CALLER; i++) {
        const subscription = await open(requestId, "5101");
        held.push(subscription);
        expect(subscription.first.data?.requestStatus.status).toBe("PENDING");
      }
      const refused = await open(requestId, "5101");
      held.push(refused);
      expect(refused.first.data).toBeFalsy();
      expect(refused.first.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/too many requestStatus subscriptions open for this caller/),
        extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
      });
      // Another caller has a share of its own.
      const other = await open(await pendingRequest(couponId, "5102"), "5102");
      held.push(other);
      expect(other.first.data?.requestStatus.status).toBe("PENDING");
      // The client going away gives its slot back.
      held[0]?.close();
      let again: Awaited<ReturnType<typeof open>> | undefined;
      await waitUntil(
        async () => {
          again?.close();
          again = await open(requestId, "5101");
          return again.first.data?.requestStatus.status === "PENDING";
        },
        { what: "a slot freed by a closed subscription" },
      );
      held.push(again as { close: () => void });
    } finally {
      for (const subscription of held) subscription.close();
      await system.resumeWorkers();
    }
  });

  it("holds no slot for a subscription request the server never streams (406)", async () => {
    const couponId = await createCoupon(gql, 10);
    await system.pauseWorkers();
    const held: Array<{ close: () => void }> = [];
    try {
      const requestId = await pendingRequest(couponId, "5301");
      // Asking for JSON alone: Yoga answers 406 and never reads the stream.
      for (let i = 0; i < PER_CALLER * 3; i++) {
        const refused = await fetch(system.graphqlUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "x-user-id": "5301",
          },
          body: JSON.stringify({ query: REQUEST_STATUS, variables: { requestId } }),
        });
        expect(refused.status).toBe(406);
        await refused.body?.cancel();
      }
      for (let i = 0; i < PER_CALLER; i++) {
        const subscription = await open(requestId, "5301");
        held.push(subscription);
        expect(subscription.first.data?.requestStatus.status).toBe("PENDING");
      }
    } finally {
      for (const subscription of held) subscription.close();
      await system.resumeWorkers();
    }
  });

  it("counts anonymous callers as one: anonymity buys no extra streams", async () => {
    const couponId = await createCoupon(gql, 10);
    await system.pauseWorkers();
    const held: Array<{ close: () => void }> = [];
    try {
      const requestId = await pendingRequest(couponId, "5201");
      // An anonymous caller owns no request: each subscription gets what an unknown id gets and
      // ends, so beyond the share as within it, none stays open.
      for (let i = 0; i <= PER_CALLER; i++) {
        const anonymous = await open(requestId);
        held.push(anonymous);
        expect(anonymous.first.data).toBeFalsy();
        expect(anonymous.first.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      }
      // Nothing of the owner's share went to them.
      for (let i = 0; i < PER_CALLER; i++) {
        const owner = await open(requestId, "5201");
        held.push(owner);
        expect(owner.first.data?.requestStatus.status).toBe("PENDING");
      }
    } finally {
      for (const subscription of held) subscription.close();
      await system.resumeWorkers();
    }
  });
});

describe("slow clients are cut off", () => {
  /** Starts a request, never finishes its headers, and returns what the server said before closing. */
  function slowHeaders(url: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Drip: ",
        ),
      );
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk;
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(received));
    });
  }

  it("answers a client that never finishes its headers 408 and closes: gateway and internal API", async () => {
    expect(await slowHeaders(system.graphqlUrl)).toMatch(/^HTTP\/1\.1 408/);
    expect(await slowHeaders(system.internalApiUrl)).toMatch(/^HTTP\/1\.1 408/);
  });
});
