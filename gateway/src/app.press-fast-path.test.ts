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
import { createWatchTokens } from "./identity/watch-token.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { ISSUE_COUPON } from "./project-documents.ts";
import { documentId } from "./protection/trusted-documents.ts";
import type { GatewayServices } from "./schema/builder.ts";

// The press fast path against Yoga itself: the same configuration and services, one gateway with
// the fast path and one without, and for every press (the project's document and generated ones:
// selections, aliases, fragments, __typename, conditions, literal or variable ids), every Accept,
// Origin, result and error, both give the same status, headers and body. The admission is
// scripted (what it answers is the subject here, not how Redis decides it); the same documents run
// against the real system in the e2e suite.

const SECRET = "a-test-secret-of-32-characters!!";
const ALLOWED_ORIGIN = "https://shop.example";

type Outcome = IssueCouponResult | Error;

function scriptedGateways(env: Record<string, string> = {}) {
  const calls: Array<{ couponId: string; presser: Presser }> = [];
  let next: Outcome = { kind: "SoldOut", couponId: "1" };
  let fastPresses = 0;
  const metrics = createGatewayMetrics();
  metrics.countFastPathPress = () => {
    fastPresses++;
  };
  // One clock for both gateways: a watch token is then the same bytes from either.
  const watchTokens = createWatchTokens({ secret: SECRET, ttlMs: 60_000, now: () => 1.8e12 });
  const services = {
    metrics,
    watchTokens,
    issueCoupon: async (couponId: string, presser: Presser) => {
      calls.push({ couponId, presser });
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as GatewayServices;
  const config = readGatewayConfig(env);
  return {
    on: createGatewayHandler(config, services),
    off: createGatewayHandler(config, services, { pressFastPath: false }),
    calls,
    watchTokens,
    fastPresses: () => fastPresses,
    answerWith(outcome: Outcome) {
      next = outcome;
    },
  };
}
type Gateways = ReturnType<typeof scriptedGateways>;

function pressRequest(
  body: unknown,
  headers: Record<string, string> = { "x-user-id": "7" },
  method = "POST",
): Request {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request("http://localhost/graphql", {
    method,
    headers: {
      "content-type": "application/json",
      "content-length": String(new TextEncoder().encode(text).byteLength),
      ...headers,
    },
    body: method === "GET" ? undefined : text,
  });
}

const press = (couponId: string | number = "1") => ({
  query: ISSUE_COUPON,
  variables: { couponId },
});

/** The headers a client acts on: its type, CORS, caching. */
const HEADERS_THAT_MATTER = [
  "content-type",
  "vary",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-expose-headers",
  "allow",
  "accept",
];

/** What a client sees of an answer; a correlation id is fresh each time, so only its presence is kept. */
async function seen(response: Response) {
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(
      HEADERS_THAT_MATTER.map((name) => [name, response.headers.get(name)]),
    ),
    body: text.replace(/"correlationId":"[^"]+"/g, '"correlationId":"<id>"'),
  };
}

/**
 * The same request answered with the fast path and without; `fast` says whether the fast path must
 * have answered it (and pressed once), or left it to Yoga.
 */
async function bothWays(
  gateways: Gateways,
  body: unknown,
  {
    headers,
    fast = true,
    method,
    what = JSON.stringify(body),
  }: { headers?: Record<string, string>; fast?: boolean; method?: string; what?: string } = {},
) {
  const fastBefore = gateways.fastPresses();
  const withFastPath = await gateways.on.fetch(pressRequest(body, headers, method), {
    clientAddress: "127.0.0.1",
  });
  expect(gateways.fastPresses() - fastBefore, `answered by the fast path: ${what}`).toBe(
    fast ? 1 : 0,
  );
  const withoutFastPath = await gateways.off.fetch(pressRequest(body, headers, method), {
    clientAddress: "127.0.0.1",
  });
  return { fast: await seen(withFastPath), yoga: await seen(withoutFastPath) };
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

/** Results graphql-js itself refuses to serialize: the fast path must word them as it does. */
const ODD_RESULTS = [
  { kind: "RateLimited", retryAfterMs: 1.5 },
  { kind: "SoldOut", couponId: null },
  { kind: "CouponNotAvailable", couponId: "1", reason: "SOMETHING_ELSE" },
] as unknown as IssueCouponResult[];

const OUTCOMES: Outcome[] = [...RESULTS, ...ERRORS.map(([, error]) => error), ...ODD_RESULTS];

const APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9";
const URQL_ACCEPT =
  "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed";

/** Accept headers, and whether the answer is a single JSON one (the fast path's) or a stream (Yoga's). */
const ACCEPTS: Array<[string | undefined, boolean]> = [
  [undefined, true],
  ["*/*", true],
  ["application/json", true],
  ["application/graphql-response+json", true],
  [APOLLO_ACCEPT, true],
  [URQL_ACCEPT, true],
  ["application/json; charset=utf-8", true],
  ["text/html, application/*;q=0.5", true],
  ["application/json; charset=iso-8859-1, application/graphql-response+json", true],
  ["text/event-stream", false],
  ["multipart/mixed", false],
  ["text/html", false],
];

/** A small deterministic generator, so a failing document can be rebuilt from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    shuffle: <T>(items: readonly T[]): T[] =>
      items
        .map((item) => [next(), item] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, item]) => item),
  };
}

const MEMBER_FIELDS: Record<string, readonly string[]> = {
  IssueAccepted: ["requestId", "status"],
  AlreadyRequested: ["requestId", "status"],
  SoldOut: ["couponId"],
  CouponNotAvailable: ["couponId", "reason"],
  RateLimited: ["retryAfterMs"],
};

/**
 * A press document as an app might write it (Apollo adds `__typename` to every selection set),
 * with the variables it needs.
 */
function generatedPress(seed: number) {
  const r = random(seed);
  const apollo = r.chance(0.4);
  const fragments: string[] = [];
  const variableDefinitions: string[] = [];
  const variables: Record<string, unknown> = {};
  let conditional = false;
  const condition = () => {
    if (!r.chance(0.15)) return "";
    conditional = true;
    if (r.chance(0.5))
      return r.pick([" @skip(if: false)", " @include(if: true)", " @skip(if: true)"]);
    if (!variableDefinitions.includes("$flag: Boolean!")) {
      variableDefinitions.push("$flag: Boolean!");
      variables.flag = r.chance(0.5);
    }
    return r.pick([" @include(if: $flag)", " @skip(if: $flag)"]);
  };
  const field = (name: string) =>
    `${r.chance(0.25) ? `${name}Alias: ` : ""}${name}${name === "__typename" ? "" : condition()}`;

  const members = r.shuffle(Object.keys(MEMBER_FIELDS)).filter(() => r.chance(0.7));
  const parts: string[] = [];
  for (const member of members) {
    const names = r.shuffle(MEMBER_FIELDS[member] ?? []).filter(() => r.chance(0.8));
    if (apollo || r.chance(0.3)) names.splice(Math.floor(names.length / 2), 0, "__typename");
    if (names.length === 0) names.push("__typename");
    const selection = names.map(field).join(" ");
    if (r.chance(0.3)) {
      fragments.push(`fragment ${member}Fields on ${member} { ${selection} }`);
      parts.push(`...${member}Fields${condition()}`);
    } else parts.push(`... on ${member}${condition()} { ${selection} }`);
  }
  if (apollo || r.chance(0.5)) parts.splice(r.pick([0, parts.length]), 0, "__typename");
  if (r.chance(0.15)) parts.push("... on IssueCouponResult { __typename }");
  if (parts.length === 0) parts.push("__typename");

  const idForm = r.pick(["variable", "renamed", "literal string", "literal int", "default"]);
  let argument = "";
  if (idForm === "literal string") argument = '"42"';
  else if (idForm === "literal int") argument = "42";
  else {
    const name = idForm === "renamed" ? "$id" : "$couponId";
    argument = name;
    variableDefinitions.unshift(`${name}: ID!${idForm === "default" ? ' = "42"' : ""}`);
    if (idForm !== "default") variables[name.slice(1)] = r.pick(["42", 42, " 42 "]);
  }
  const alias = r.chance(0.3) ? "press: " : "";
  let pressSelection = `${alias}issueCoupon(couponId: ${argument}) { ${parts.join(" ")} }`;
  if (r.chance(0.15)) pressSelection = `... on Mutation { ${pressSelection} }`;
  else if (r.chance(0.1)) {
    fragments.push(`fragment PressField on Mutation { ${pressSelection} }`);
    pressSelection = "...PressField";
  }
  const root = [pressSelection];
  if (apollo || r.chance(0.2)) root.splice(r.pick([0, 1]), 0, "__typename");
  const operationName = r.pick([undefined, "Issue", "IssueCoupon", "press_1"]);
  const header = `mutation${operationName ? ` ${operationName}` : ""}${variableDefinitions.length ? `(${variableDefinitions.join(", ")})` : ""}`;
  const query = [`${header} {\n  ${root.join("\n  ")}\n}`, ...r.shuffle(fragments)].join("\n");
  const body: Record<string, unknown> = { query, variables };
  if (operationName && r.chance(0.5)) body.operationName = operationName;
  if (Object.keys(variables).length === 0 && r.chance(0.5)) body.variables = undefined;
  return { body, conditional };
}

describe("press fast path: the project's document", () => {
  const gateways = scriptedGateways();

  it.each(RESULTS)("answers $kind as Yoga does", async (result) => {
    gateways.answerWith(result);
    const { fast, yoga } = await bothWays(gateways, press());
    expect(fast).toEqual(yoga);
    expect(JSON.parse(fast.body).data.issueCoupon.__typename).toBe(result.kind);
  });

  it.each(ERRORS)("answers %s with Yoga's coded, located error", async (_, error) => {
    gateways.answerWith(error);
    const { fast, yoga } = await bothWays(gateways, press());
    expect(fast).toEqual(yoga);
    const [shown] = JSON.parse(fast.body).errors;
    expect(shown.path).toEqual(["issueCoupon"]);
    expect(shown.locations).toEqual([{ line: 2, column: 3 }]);
    expect(shown.extensions.code).toMatch(/^[A-Z_]+$/);
  });

  it("answers with Yoga's status codes in both media types, errors included", async () => {
    const types = new Set<string | null>();
    for (const accept of ["application/json", "application/graphql-response+json"])
      for (const outcome of OUTCOMES) {
        gateways.answerWith(outcome);
        const { fast, yoga } = await bothWays(gateways, press(), {
          headers: { "x-user-id": "7", accept },
        });
        expect(fast, `${accept}: ${JSON.stringify(outcome)}`).toEqual(yoga);
        types.add(fast.headers["content-type"] ?? null);
      }
    expect(types.size).toBe(2);
  });

  it("hands out the press's watch token as Yoga does, signed for this request and its owner", async () => {
    const gateways = scriptedGateways();
    const accepted = RESULTS[0] as Extract<IssueCouponResult, { kind: "IssueAccepted" }>;
    gateways.answerWith(accepted);
    const body = {
      query: `mutation Press($id: ID!) { issueCoupon(couponId: $id) { __typename ... on IssueAccepted { requestId watchToken } } }`,
      variables: { id: "1" },
    };
    const { fast, yoga } = await bothWays(gateways, body);
    expect(fast).toEqual(yoga);
    const token = JSON.parse(fast.body).data.issueCoupon.watchToken as string;
    expect(await gateways.watchTokens.verify(token, accepted.requestId)).toEqual({
      userId: "7",
      isAdmin: false,
    });
    // Pressed once by each gateway: the token is signed over the press's outcome, not a second press.
    expect(gateways.calls).toHaveLength(2);
  });

  it("presses for the caller the resolver would name, with the same coupon id", async () => {
    gateways.answerWith(RESULTS[0] as IssueCouponResult);
    for (const id of [" 42 ", 42]) {
      await bothWays(gateways, press(id), { headers: { "x-user-id": "9" } });
      const [fast, yoga] = gateways.calls.slice(-2);
      expect(fast).toEqual(yoga);
      expect(fast?.presser.userId).toBe("9");
      expect(fast?.couponId).toBe("42");
    }
  });

  it("leaves every request it cannot answer as Yoga would to Yoga, before anything ran", async () => {
    gateways.answerWith(RESULTS[3] as IssueCouponResult);
    const declined: Array<[string, unknown, Record<string, string>?, string?]> = [
      ["another operation name", { ...press(), operationName: "Other" }],
      ["an empty operation name", { ...press(), operationName: "" }],
      ["a variable of the wrong type", { query: ISSUE_COUPON, variables: { couponId: true } }],
      ["no variables", { query: ISSUE_COUPON }],
      ["a null coupon id", { query: ISSUE_COUPON, variables: { couponId: null } }],
      ["an id that is not one", press("abc")],
      ["an unknown parameter", { ...press(), more: 1 }],
      ["variables as an array", { query: ISSUE_COUPON, variables: ["1"] }],
      ["a batch", [press()]],
      ["no caller", press(), {}],
      ["a caller id that is not one", press(), { "x-user-id": "x" }],
      ["not JSON", "{ query: mutation", undefined],
      ["a query", { query: '{ coupon(id: "1") { id } }' }],
      [
        "another field beside",
        {
          query: 'mutation { issueCoupon(couponId: "1") { __typename } endCoupon(id: "1") { id } }',
        },
      ],
      [
        "two presses",
        {
          query:
            'mutation { a: issueCoupon(couponId: "1") { __typename } b: issueCoupon(couponId: "2") { __typename } }',
        },
      ],
      [
        "two operations",
        {
          query: `${ISSUE_COUPON}\nquery Q { __typename }`,
          operationName: "Issue",
          variables: { couponId: "1" },
        },
      ],
      ["an invalid document", { query: 'mutation { issueCoupon(couponId: "1") { nope } }' }],
      [
        "a press skipped as a whole",
        {
          query:
            'mutation { __typename issueCoupon(couponId: "1") @skip(if: true) { __typename } }',
        },
      ],
      [
        "@defer",
        { query: 'mutation { issueCoupon(couponId: "1") { ... @defer { __typename } } }' },
      ],
      ["a GET", press(), { "x-user-id": "7" }, "GET"],
      ["a form body", press(), { "x-user-id": "7", "content-type": "text/plain" }],
    ];
    const pressesBefore = gateways.calls.length;
    let pressesByYoga = 0;
    for (const [what, body, headers, method] of declined) {
      const before = gateways.calls.length;
      const { fast, yoga } = await bothWays(gateways, body, {
        headers: headers ?? { "x-user-id": "7" },
        fast: false,
        method,
      });
      expect(fast, what).toEqual(yoga);
      pressesByYoga += (gateways.calls.length - before) / 2;
    }
    // Only the documents Yoga itself presses for press at all: another field beside, two presses.
    expect(gateways.calls.length - pressesBefore).toBe(pressesByYoga * 2);
    expect(pressesByYoga).toBe(3);
  });
});

describe("press fast path: generated documents, Accept and Origin", () => {
  const gateways = scriptedGateways({ CORS_ORIGINS: ALLOWED_ORIGIN });

  it("answers every generated press exactly as Yoga does, fast where Yoga answers one JSON", async () => {
    let fastAnswered = 0;
    let conditional = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { body, conditional: hasConditions } = generatedPress(seed);
      const r = random(seed * 7919);
      const [accept, single] = r.pick(ACCEPTS);
      const origin = r.pick([undefined, ALLOWED_ORIGIN, "https://elsewhere.example"]);
      const headers: Record<string, string> = { "x-user-id": "7" };
      if (accept !== undefined) headers.accept = accept;
      if (origin !== undefined) headers.origin = origin;
      gateways.answerWith(r.pick(OUTCOMES));
      const what = `seed ${seed}: ${JSON.stringify(body)} ${JSON.stringify(headers)}`;
      const { fast, yoga } = await bothWays(gateways, body, { headers, fast: single, what });
      expect(fast, what).toEqual(yoga);
      if (single) fastAnswered++;
      if (hasConditions) conditional++;
    }
    expect(fastAnswered).toBeGreaterThan(250);
    expect(conditional).toBeGreaterThan(20);
  });

  it("answers the allowed origin with CORS and others without, as Yoga does", async () => {
    gateways.answerWith(RESULTS[3] as IssueCouponResult);
    const allowed = await bothWays(gateways, press(), {
      headers: { "x-user-id": "7", origin: ALLOWED_ORIGIN, accept: APOLLO_ACCEPT },
    });
    expect(allowed.fast).toEqual(allowed.yoga);
    expect(allowed.fast.headers["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
    expect(allowed.fast.headers.vary).toContain("Origin");
    const other = await bothWays(gateways, press(), {
      headers: { "x-user-id": "7", origin: "https://elsewhere.example" },
    });
    expect(other.fast).toEqual(other.yoga);
    expect(other.fast.headers["access-control-allow-origin"]).toBeNull();
  });
});

describe("press fast path with trusted documents", () => {
  const byId = async (document: string, variables: Record<string, unknown>) => ({
    extensions: { persistedQuery: { version: 1, sha256Hash: await documentId(document) } },
    variables,
  });

  it("in `only` mode answers the press by id, and leaves the text and unknown ids to Yoga, which refuses them", async () => {
    const gateways = scriptedGateways({ TRUSTED_DOCUMENTS: "only" });
    gateways.answerWith(RESULTS[3] as IssueCouponResult);
    const { fast, yoga } = await bothWays(gateways, await byId(ISSUE_COUPON, { couponId: "1" }));
    expect(fast).toEqual(yoga);
    expect(JSON.parse(fast.body).data.issueCoupon.__typename).toBe("SoldOut");
    const text = await bothWays(gateways, press(), { fast: false });
    expect(text.fast).toEqual(text.yoga);
    expect(text.fast.body).toContain("PERSISTED_QUERY_ONLY");
    const unknown = await bothWays(gateways, await byId(`${ISSUE_COUPON} `, { couponId: "1" }), {
      fast: false,
    });
    expect(unknown.fast).toEqual(unknown.yoga);
    expect(unknown.fast.body).toContain("PERSISTED_QUERY_NOT_FOUND");
  });

  it("answers an app's press by its manifest id, codegen's hash taken as written", async () => {
    const appDocument = `mutation Grab($id: ID!) { issueCoupon(couponId: $id) { __typename ... on SoldOut { couponId } } }`;
    const gateways = scriptedGateways({
      TRUSTED_DOCUMENTS: "only",
      TRUSTED_DOCUMENTS_MANIFEST: JSON.stringify({ "sha1-of-printed-text": appDocument }),
    });
    gateways.answerWith(RESULTS[3] as IssueCouponResult);
    const { fast, yoga } = await bothWays(gateways, {
      extensions: { persistedQuery: { version: 1, sha256Hash: "sha1-of-printed-text" } },
      variables: { id: "1" },
    });
    expect(fast).toEqual(yoga);
    expect(JSON.parse(fast.body)).toEqual({
      data: { issueCoupon: { __typename: "SoldOut", couponId: "1" } },
    });
  });

  it("in `allow` mode answers the press by id and as text; in `off` mode leaves an id to Yoga", async () => {
    const allow = scriptedGateways({ TRUSTED_DOCUMENTS: "allow" });
    for (const body of [await byId(ISSUE_COUPON, { couponId: "1" }), press()]) {
      const { fast, yoga } = await bothWays(allow, body);
      expect(fast).toEqual(yoga);
    }
    const off = scriptedGateways();
    const id = await bothWays(off, await byId(ISSUE_COUPON, { couponId: "1" }), { fast: false });
    expect(id.fast).toEqual(id.yoga);
  });
});

describe("press fast path in JWT mode", () => {
  const gateways = scriptedGateways({ JWT_SECRET: SECRET });
  const sign = (claims: Record<string, unknown>, secret = SECRET) =>
    new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));

  it("presses as the token's subject, ignoring x-user-id", async () => {
    gateways.answerWith(RESULTS[0] as IssueCouponResult);
    const authorization = `Bearer ${await sign({ sub: "31" })}`;
    const { fast, yoga } = await bothWays(gateways, press(), {
      headers: { authorization, "x-user-id": "7" },
    });
    expect(fast).toEqual(yoga);
    expect(gateways.calls.at(-1)?.presser.userId).toBe("31");
  });

  it("leaves a refused token and a missing one to Yoga, which answers 401 before anything runs", async () => {
    const before = gateways.calls.length;
    const attempts: Array<Record<string, string>> = [
      { authorization: `Bearer ${await sign({ sub: "31" }, "another-secret-of-32-characters!")}` },
      { authorization: "Basic abc" },
      { "x-user-id": "7" },
    ];
    for (const headers of attempts) {
      const { fast, yoga } = await bothWays(gateways, press(), { headers, fast: false });
      expect(fast).toEqual(yoga);
      expect(fast.status).toBe(401);
    }
    expect(gateways.calls.length).toBe(before);
  });
});
