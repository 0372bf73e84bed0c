import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import type { HttpService } from "#shared/http-kit/http-service.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { createRouter } from "#shared/http-kit/router.ts";
import type { CouponJson, CreateCouponInput, RequestJson } from "#shared/internal-api/contract.ts";
import {
  createInternalApiClient,
  InternalApiError,
} from "#shared/internal-api/internal-api-client.ts";
import { silentLogger } from "#shared/logging/logger.ts";
import type { CouponService } from "../coupons/coupon-service.ts";
import type { DeadLetterRow } from "../dead-letter/dead-letter-repository.ts";
import type { DeadLetterRoutesOptions } from "./dead-letter-routes.ts";
import { createInternalApiServer } from "./internal-api-server.ts";

// The HTTP layer of the internal API: routes, status codes and JSON shapes, driven over real HTTP
// by the client the gateway and the CLI use. What sits behind it (PostgreSQL, Redis, Kafka) is
// tested where it lives; here it is a small in-memory stand-in that records what it was asked.

const TOKEN = "test-internal-token";
const REQUEST_ID = "0190f5a4-1c2b-7d3e-8f40-123456789abc";

const coupon = (id: string, input?: CreateCouponInput): CouponJson => ({
  id,
  name: input?.name ?? `coupon ${id}`,
  totalQuantity: input?.totalQuantity ?? 10,
  issuedCount: 0,
  startsAt: input?.startsAt ?? null,
  endsAt: input?.endsAt ?? null,
  pipeline: input?.pipeline ?? "KAFKA",
});

const deadLetter = (id: string, couponId: string | null): DeadLetterRow => ({
  id,
  topic: "coupon-issue-requests",
  partition: 0,
  offset: id,
  recordKey: couponId ? `coupon:${couponId}` : null,
  payload: "{",
  payloadLength: 1,
  payloadTruncated: false,
  headers: {},
  errorClass: "InvalidJson",
  errorMessage: "Unexpected end of JSON input",
  attempts: 1,
  couponId,
  recordedAt: "2026-11-25T05:00:00.000Z",
  replayedAt: null,
  replayCount: 0,
});

const calls: string[] = [];
let failNext: Error | undefined;

function failing<T>(value: T): T {
  const error = failNext;
  failNext = undefined;
  if (error) throw error;
  return value;
}

const coupons: CouponService = {
  async create(input) {
    calls.push(`create ${input.name}`);
    return failing(coupon("7", input));
  },
  async get(id) {
    calls.push(`get ${id}`);
    return failing(id === "7" ? coupon("7") : null);
  },
  async load(id) {
    calls.push(`load ${id}`);
    return failing(id === "7" ? true : null);
  },
  async getRequest(requestId) {
    calls.push(`request ${requestId}`);
    const request: RequestJson = {
      requestId,
      couponId: "7",
      userId: "3",
      status: "ISSUED",
      reason: null,
      requestedAt: "2026-11-25T05:00:00.000Z",
      updatedAt: "2026-11-25T05:00:01.000Z",
    };
    return failing(requestId === REQUEST_ID ? request : null);
  },
};

const letters = [deadLetter("1", "7"), deadLetter("2", null)];
const deadLetters: DeadLetterRoutesOptions = {
  deadLetters: {
    async list(filter = {}) {
      calls.push(`list ${filter.couponId ?? "-"} ${filter.limit}`);
      return letters.filter((l) => !filter.couponId || l.couponId === filter.couponId);
    },
    async count() {
      return letters.length;
    },
    async get(id) {
      return failing(letters.find((l) => l.id === id) ?? null);
    },
  },
  replay: {
    async replayOne(id) {
      calls.push(`replay ${id}`);
      return id === "1"
        ? { kind: "replayed", id, requestId: REQUEST_ID }
        : { kind: "not-found", id };
    },
    async replayCoupon(couponId) {
      calls.push(`replay coupon ${couponId}`);
      return [{ kind: "not-replayable", id: "1", reason: "invalid-json: Unexpected end" }];
    },
  },
};

let server: HttpService;
let url: string;
const client = () => createInternalApiClient({ url, token: TOKEN });

async function call(method: string, path: string, init: { token?: string; body?: string } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${init.token ?? TOKEN}` },
    body: init.body,
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  server = createInternalApiServer({
    coupons,
    deadLetters,
    token: TOKEN,
    fallback: createRouter([
      {
        method: "GET",
        path: "/health",
        handle: async ({ response }) => sendJson(response, 200, { status: "ok" }),
      },
    ]),
    maxBodyBytes: 1024,
    logger: silentLogger(),
  });
  url = await server.listen(0);
});

afterAll(async () => {
  await server.close(100);
});

describe("internal API: coupons and requests", () => {
  it("creates a coupon (201 { coupon }) from a valid definition", async () => {
    const created = await client().createCoupon({ name: "Noon drop", totalQuantity: 5 });
    expect(created).toMatchObject({ id: "7", name: "Noon drop", totalQuantity: 5 });
    const raw = await call("POST", "/internal/coupons", {
      body: JSON.stringify({ name: "Raw", totalQuantity: 1 }),
    });
    expect(raw.status).toBe(201);
    expect(raw.body).toEqual({ coupon: coupon("7", { name: "Raw", totalQuantity: 1 }) });
  });

  it("answers a coupon on a pipeline that does not run 409, which the client raises as PipelineDisabledError", async () => {
    const refusal = PipelineDisabledError.refusing("KAFKA", ["REDIS_STREAM"]);
    failNext = refusal;
    const raw = await call("POST", "/internal/coupons", {
      body: JSON.stringify({ name: "Raw", totalQuantity: 1, pipeline: "KAFKA" }),
    });
    expect(raw).toEqual({ status: 409, body: { status: 409, error: refusal.message } });
    failNext = refusal;
    const thrown = await client()
      .createCoupon({ name: "On Kafka", totalQuantity: 1, pipeline: "KAFKA" })
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(PipelineDisabledError);
    expect(thrown).toMatchObject({ message: refusal.message, retriable: false });
  });

  it("refuses an invalid definition with 400 naming each field, before the service sees it", async () => {
    calls.length = 0;
    const refused = await call("POST", "/internal/coupons", {
      body: JSON.stringify({ name: " ", totalQuantity: 0 }),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.status).toBe(400);
    expect(refused.body.error).toMatch(/name: name must not be empty/);
    expect(refused.body.error).toMatch(/totalQuantity: totalQuantity must be at least 1/);
    const endsFirst = await call("POST", "/internal/coupons", {
      body: JSON.stringify({
        name: "x",
        totalQuantity: 1,
        startsAt: "2026-12-01T12:00:00Z",
        endsAt: "2026-12-01T11:00:00Z",
      }),
    });
    expect(endsFirst.body.error).toMatch(/endsAt: endsAt must be after startsAt/);
    expect(calls).toEqual([]);
  });

  it("answers malformed JSON with 400 and a body over the limit with 413", async () => {
    const malformed = await call("POST", "/internal/coupons", { body: "{" });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ status: 400, error: expect.stringMatching(/JSON/) });
    const large = await call("POST", "/internal/coupons", {
      body: JSON.stringify({ name: "x".repeat(2000), totalQuantity: 1 }),
    });
    expect(large.status).toBe(413);
    expect(large.body).toMatchObject({ status: 413, error: expect.stringMatching(/1024 bytes/) });
  });

  it("reads a coupon (200 { coupon }), 404 { error } when unknown, 400 for a malformed id", async () => {
    expect(await client().getCoupon("7")).toEqual(coupon("7"));
    expect(await client().getCoupon("8")).toBeNull();
    expect(await call("GET", "/internal/coupons/8")).toEqual({
      status: 404,
      body: { error: "no such coupon" },
    });
    const malformed = await call("GET", "/internal/coupons/abc");
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      error: "invalid path: id: must be a positive integer",
      status: 400,
    });
  });

  it("loads a coupon into admission (200 { loaded }), 404 { error } when PostgreSQL has none", async () => {
    expect(await client().loadCoupon("7")).toBe(true);
    expect(await client().loadCoupon("8")).toBeNull();
    expect(await call("POST", "/internal/coupons/8/load")).toEqual({
      status: 404,
      body: { error: "no such coupon" },
    });
  });

  it("reads a request's outcome (200 { request }), 404 { error } when unknown, 400 for a non-UUID", async () => {
    expect(await client().getRequest(REQUEST_ID)).toMatchObject({
      requestId: REQUEST_ID,
      status: "ISSUED",
    });
    const unknown = "0190f5a4-1c2b-7d3e-8f40-000000000000";
    expect(await call("GET", `/internal/requests/${unknown}`)).toEqual({
      status: 404,
      body: { error: "no such request" },
    });
    expect(await call("GET", "/internal/requests/42")).toEqual({
      status: 400,
      body: { error: "invalid path: requestId: must be a UUID", status: 400 },
    });
  });
});

describe("internal API: dead letters", () => {
  it("lists dead letters ({ deadLetters, total }), the limit clamped to the page bounds", async () => {
    calls.length = 0;
    expect(await client().listDeadLetters({ couponId: "7", limit: 5 })).toEqual({
      deadLetters: [expect.objectContaining({ id: "1", couponId: "7", errorClass: "InvalidJson" })],
      total: 2,
    });
    expect((await call("GET", "/internal/dead-letters?couponId=7")).body).toEqual({
      deadLetters: [deadLetter("1", "7")],
      total: 2,
    });
    await call("GET", "/internal/dead-letters?limit=100000");
    await call("GET", "/internal/dead-letters?limit=-3");
    await call("GET", "/internal/dead-letters?limit=abc");
    expect(calls).toEqual(["list 7 5", "list 7 100", "list - 1000", "list - 1", "list - 100"]);
    const malformed = await call("GET", "/internal/dead-letters?couponId=x");
    expect(malformed).toEqual({
      status: 400,
      body: { error: "invalid query: couponId: must be a positive integer", status: 400 },
    });
  });

  it("answers one dead letter by id ({ deadLetter }), 404 for an unknown one", async () => {
    expect(await client().getDeadLetter("2")).toEqual(
      expect.objectContaining({ id: "2", couponId: null, payload: "{", payloadLength: 1 }),
    );
    expect(await client().getDeadLetter("9")).toBeNull();
    expect(await call("GET", "/internal/dead-letters/9")).toEqual({
      status: 404,
      body: { error: "no dead letter has id 9", status: 404 },
    });
    expect((await call("GET", "/internal/dead-letters/x")).status).toBe(400);
  });

  it("replays one dead letter or a coupon's ({ results })", async () => {
    expect(await client().replayDeadLetters({ id: "1" })).toEqual([
      { kind: "replayed", id: "1", requestId: REQUEST_ID },
    ]);
    expect(await client().replayDeadLetters({ id: "9" })).toEqual([{ kind: "not-found", id: "9" }]);
    expect(await client().replayDeadLetters({ couponId: "7" })).toEqual([
      { kind: "not-replayable", id: "1", reason: "invalid-json: Unexpected end" },
    ]);
    expect((await call("POST", "/internal/dead-letters/x/replay")).body).toEqual({
      error: "invalid path: id: must be a positive integer",
      status: 400,
    });
    expect((await call("POST", "/internal/dead-letters/replay")).status).toBe(400);
  });
});

describe("internal API: authorization, routing and failures", () => {
  it("refuses a missing or wrong bearer token with 401 before routing", async () => {
    for (const token of ["", "wrong", `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const refused = await call("GET", "/internal/coupons/7", { token });
      expect(refused.status).toBe(401);
      expect(refused.body.status).toBe(401);
    }
    expect((await call("GET", "/internal/nothing-here", { token: "wrong" })).status).toBe(401);
    await expect(
      createInternalApiClient({ url, token: "wrong" }).getCoupon("7"),
    ).rejects.toMatchObject({ status: 401, retriable: false });
  });

  it("answers 404 { error, status } for unknown routes and methods, inside and outside /internal", async () => {
    for (const [method, path] of [
      ["GET", "/internal/nothing-here"],
      ["DELETE", "/internal/coupons/7"],
      ["GET", "/internal/coupons"],
      ["PUT", "/internal/dead-letters"],
      ["GET", "/elsewhere"],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toMatchObject({ status: 404, error: expect.stringMatching(/no route/) });
    }
  });

  it("leaves paths outside /internal to the hosting process's routes, without a token", async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("answers a retriable failure 503 and any other 500, with the error's message", async () => {
    failNext = new DependencyUnavailableError("database unreachable");
    const transient = await call("GET", "/internal/coupons/7");
    expect(transient.status).toBe(503);
    expect(transient.body).toMatchObject({ status: 503 });
    expect(transient.body.error).toMatch(/database unreachable/);
    failNext = new Error("a bug");
    const bug = await call("GET", "/internal/coupons/7");
    expect(bug.status).toBe(500);
    expect(bug.body.error).toMatch(/a bug/);
    // Retriable by class only: a flag patched onto another error is not trusted.
    failNext = Object.assign(new Error("a patched bug"), { retriable: true });
    expect((await call("GET", "/internal/coupons/7")).status).toBe(500);
    await expect(client().getCoupon("7")).resolves.toEqual(coupon("7"));
    failNext = new DependencyUnavailableError("database unreachable");
    const error = await client()
      .getCoupon("7")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalApiError);
    expect(error).toMatchObject({ status: 503, retriable: true });
  });
});
