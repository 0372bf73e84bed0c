import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import {
  CouponStateLostError,
  type IssueCouponResult,
  IssueNotRecordedError,
  type Presser,
} from "./admission/issue-coupon.ts";
import { createGatewayHandler } from "./app.ts";
import { readGatewayConfig } from "./config.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { ISSUE_COUPON } from "./project-documents.ts";
import { documentId } from "./protection/trusted-documents.ts";
import type { GatewayServices } from "./schema/builder.ts";

// The press fast path against Yoga itself, over the same schema, configuration and services: for
// every answer a press can get, both give the same status, content type and body. The admission is
// scripted (what it answers is the subject here, not how Redis decides it); the same documents run
// against the real system in the e2e suite, on both runtimes.

const SECRET = "a-test-secret-of-32-characters!!";

type Outcome = IssueCouponResult | Error;

function scriptedGateway(env: Record<string, string> = {}) {
  const calls: Array<{ couponId: string; presser: Presser }> = [];
  let next: Outcome = { kind: "SoldOut", couponId: "1" };
  const services = {
    metrics: createGatewayMetrics(),
    issueCoupon: async (couponId: string, presser: Presser) => {
      calls.push({ couponId, presser });
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as GatewayServices;
  const app = createGatewayHandler(readGatewayConfig(env), services);
  return {
    app,
    calls,
    answerWith(outcome: Outcome) {
      next = outcome;
    },
  };
}

function pressRequest(
  body: unknown,
  headers: Record<string, string> = { "x-user-id": "7" },
): Request {
  return new Request("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const press = (couponId: string | number = "1") => ({
  query: ISSUE_COUPON,
  variables: { couponId },
});

/** What a client sees of an answer; a correlation id is fresh each time, so only its presence is kept. */
async function seen(response: Response) {
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: text.replace(/"correlationId":"[^"]+"/g, '"correlationId":"<id>"'),
  };
}

/** The same press answered by the fast path (which must answer it) and by Yoga. */
async function bothWays(
  gateway: ReturnType<typeof scriptedGateway>,
  body: unknown,
  headers?: Record<string, string>,
) {
  const before = gateway.calls.length;
  const fast = await gateway.app.pressFastPath.answer({
    headers: pressRequest(body, headers).headers,
    body: JSON.stringify(body),
    clientAddress: "127.0.0.1",
  });
  expect(fast, "the fast path answers this press").not.toBeNull();
  if (fast === null) throw new Error("unreachable");
  const viaYoga = await gateway.app.yoga.fetch(pressRequest(body, headers), {
    clientAddress: "127.0.0.1",
  });
  expect(gateway.calls.length - before).toBe(2);
  return {
    fast: await seen(new Response(fast.body, { status: fast.status, headers: fast.headers })),
    yoga: await seen(viaYoga),
  };
}

const RESULTS: IssueCouponResult[] = [
  { kind: "IssueAccepted", requestId: "0190a0a0-0000-7000-8000-000000000001", status: "PENDING" },
  { kind: "AlreadyRequested", requestId: "0190a0a0-0000-7000-8000-000000000002", status: "ISSUED" },
  { kind: "AlreadyRequested", requestId: "0190a0a0-0000-7000-8000-000000000003", status: "FAILED" },
  { kind: "SoldOut", couponId: "1" },
  { kind: "CouponNotAvailable", couponId: "1", reason: "NOT_FOUND" },
  { kind: "CouponNotAvailable", couponId: "1", reason: "NOT_STARTED" },
  { kind: "CouponNotAvailable", couponId: "1", reason: "ENDED" },
  { kind: "RateLimited", retryAfterMs: 1250 },
];

const ERRORS: Array<[string, Error]> = [
  ["a produce that failed and was undone", new IssueNotRecordedError(new Error("broker away"))],
  ["Redis out of reach", new DependencyUnavailableError("Redis is unavailable: fetch failed")],
  ["a coupon being reloaded", new CouponStateLostError("1")],
  [
    "a permanent error of the project's",
    new CouponDropError("script refused", { retriable: false }),
  ],
  ["a bug", new TypeError("Cannot read properties of undefined (reading 'kind')")],
];

describe("press fast path", () => {
  const gateway = scriptedGateway();

  it.each(RESULTS)("answers $kind as Yoga does", async (result) => {
    gateway.answerWith(result);
    const { fast, yoga } = await bothWays(gateway, press());
    expect(fast).toEqual(yoga);
    expect(JSON.parse(fast.body).data.issueCoupon.__typename).toBe(result.kind);
  });

  it.each(ERRORS)("answers %s with Yoga's coded, located error", async (_, error) => {
    gateway.answerWith(error);
    const { fast, yoga } = await bothWays(gateway, press());
    expect(fast).toEqual(yoga);
    const [shown] = JSON.parse(fast.body).errors;
    expect(shown.path).toEqual(["issueCoupon"]);
    expect(shown.locations).toEqual([{ line: 2, column: 3 }]);
    expect(shown.extensions.code).toMatch(/^[A-Z_]+$/);
  });

  it("presses for the caller the resolver would name, with the same coupon id", async () => {
    gateway.answerWith(RESULTS[0] as IssueCouponResult);
    await bothWays(gateway, press(" 42 "), { "x-user-id": "9" });
    await bothWays(gateway, press(42), { "x-user-id": "9" });
    const [fast, yoga] = gateway.calls.slice(-2);
    expect(fast).toEqual(yoga);
    expect(fast?.presser.userId).toBe("9");
    expect(fast?.couponId).toBe("42");
  });

  it("answers an operationName of Issue, and leaves every other request to Yoga", async () => {
    gateway.answerWith(RESULTS[3] as IssueCouponResult);
    await bothWays(gateway, { ...press(), operationName: "Issue" });
    const declined: Array<[string, unknown, Record<string, string>?]> = [
      ["another document", { query: `mutation { issueCoupon(couponId: "1") { __typename } }` }],
      ["another operation name", { ...press(), operationName: "Other" }],
      ["a second variable", { query: ISSUE_COUPON, variables: { couponId: "1", more: 1 } }],
      ["no variables", { query: ISSUE_COUPON }],
      ["a null coupon id", { query: ISSUE_COUPON, variables: { couponId: null } }],
      ["an id that is not one", press("abc")],
      ["extensions beside the query", { ...press(), extensions: {} }],
      ["a batch", [press()]],
      ["no caller", press(), {}],
      ["a caller id that is not one", press(), { "x-user-id": "x" }],
    ];
    for (const [what, body, headers] of declined) {
      const answer = await gateway.app.pressFastPath.answer({
        headers: pressRequest(body, headers ?? { "x-user-id": "7" }).headers,
        body: JSON.stringify(body),
      });
      expect(answer, what).toBeNull();
    }
  });

  it("takes only small JSON POSTs to /graphql answered as plain JSON", () => {
    const fastPath = gateway.app.pressFastPath;
    const headers = (more: Record<string, string>) =>
      new Headers({ "content-type": "application/json", "content-length": "300", ...more });
    expect(fastPath.mayBePress("POST", "/graphql", headers({}))).toBe(true);
    expect(fastPath.mayBePress("POST", "/graphql", headers({ accept: "*/*" }))).toBe(true);
    expect(fastPath.mayBePress("GET", "/graphql", headers({}))).toBe(false);
    expect(
      fastPath.mayBePress("POST", "/graphql", headers({ "x-graphql-event-stream-token": "t" })),
    ).toBe(false);
    expect(fastPath.mayBePress("POST", "/other", headers({}))).toBe(false);
    expect(fastPath.mayBePress("POST", "/graphql", headers({ "content-length": "5000" }))).toBe(
      false,
    );
    expect(fastPath.mayBePress("POST", "/graphql", headers({ "content-type": "text/plain" }))).toBe(
      false,
    );
    expect(fastPath.mayBePress("POST", "/graphql", headers({ accept: "text/event-stream" }))).toBe(
      false,
    );
    expect(
      fastPath.mayBePress(
        "POST",
        "/graphql",
        headers({ accept: "application/graphql-response+json" }),
      ),
    ).toBe(false);
    const chunked = new Headers({ "content-type": "application/json" });
    expect(fastPath.mayBePress("POST", "/graphql", chunked)).toBe(false);
  });

  it("serves the whole request through the app's fetch, and what it declines through Yoga", async () => {
    gateway.answerWith(RESULTS[3] as IssueCouponResult);
    const before = gateway.calls.length;
    const fast = await gateway.app.fetch(pressRequest(press()));
    expect(await fast.json()).toEqual({
      data: { issueCoupon: { __typename: "SoldOut", couponId: "1" } },
    });
    const declined = await gateway.app.fetch(pressRequest({ ...press(), extensions: {} }));
    expect(await declined.json()).toEqual({
      data: { issueCoupon: { __typename: "SoldOut", couponId: "1" } },
    });
    const anonymous = await gateway.app.fetch(pressRequest(press(), {}));
    expect(anonymous.status).toBe(401);
    expect(gateway.calls.length - before).toBe(2);
  });
});

describe("press fast path with CORS origins configured", () => {
  const gateway = scriptedGateway({ CORS_ORIGINS: "https://shop.example" });

  it("leaves a request with an Origin to Yoga, and answers one without as Yoga does (Vary included)", async () => {
    const headers = new Headers({
      "content-type": "application/json",
      "content-length": "300",
      origin: "https://shop.example",
    });
    expect(gateway.app.pressFastPath.mayBePress("POST", "/graphql", headers)).toBe(false);
    gateway.answerWith(RESULTS[3] as IssueCouponResult);
    const fast = await gateway.app.fetch(pressRequest(press()));
    const viaYoga = await gateway.app.yoga.fetch(pressRequest(press()), {});
    expect(fast.headers.get("vary")).toBe(viaYoga.headers.get("vary"));
    expect(await seen(fast)).toEqual(await seen(viaYoga));
  });
});

describe("press fast path with trusted documents", () => {
  it("in `only` mode answers the press by id and leaves the text to Yoga, which refuses it", async () => {
    const gateway = scriptedGateway({ TRUSTED_DOCUMENTS: "only" });
    const byId = {
      extensions: { persistedQuery: { version: 1, sha256Hash: await documentId(ISSUE_COUPON) } },
      variables: { couponId: "1" },
    };
    gateway.answerWith(RESULTS[3] as IssueCouponResult);
    const { fast, yoga } = await bothWays(gateway, byId);
    expect(fast).toEqual(yoga);
    const text = await gateway.app.pressFastPath.answer({
      headers: new Headers({ "x-user-id": "7" }),
      body: JSON.stringify(press()),
    });
    expect(text).toBeNull();
    const refused = await gateway.app.fetch(pressRequest(press()));
    expect(JSON.stringify(await refused.json())).toContain("PERSISTED_QUERY_ONLY");
  });

  it("in `off` mode leaves an id to Yoga", async () => {
    const gateway = scriptedGateway();
    const answer = await gateway.app.pressFastPath.answer({
      headers: new Headers({ "x-user-id": "7" }),
      body: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: await documentId(ISSUE_COUPON) } },
        variables: { couponId: "1" },
      }),
    });
    expect(answer).toBeNull();
  });
});

describe("press fast path in JWT mode", () => {
  const gateway = scriptedGateway({ JWT_SECRET: SECRET });
  const sign = (claims: Record<string, unknown>, secret = SECRET) =>
    new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));

  it("presses as the token's subject, ignoring x-user-id", async () => {
    gateway.answerWith(RESULTS[0] as IssueCouponResult);
    const authorization = `Bearer ${await sign({ sub: "31" })}`;
    const { fast, yoga } = await bothWays(gateway, press(), { authorization, "x-user-id": "7" });
    expect(fast).toEqual(yoga);
    expect(gateway.calls.at(-1)?.presser.userId).toBe("31");
  });

  it("leaves a refused token and a missing one to Yoga, which answers 401 before anything runs", async () => {
    const before = gateway.calls.length;
    const attempts: Array<Record<string, string>> = [
      { authorization: `Bearer ${await sign({ sub: "31" }, "another-secret-of-32-characters!")}` },
      { authorization: "Basic abc" },
      { "x-user-id": "7" },
    ];
    for (const headers of attempts) {
      const answer = await gateway.app.pressFastPath.answer({
        headers: new Headers(headers),
        body: JSON.stringify(press()),
      });
      expect(answer).toBeNull();
      expect((await gateway.app.fetch(pressRequest(press(), headers))).status).toBe(401);
    }
    expect(gateway.calls.length).toBe(before);
  });
});
