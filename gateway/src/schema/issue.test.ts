import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { FAILURE_REASONS } from "#shared/lifecycle/failure-reason.ts";
import type { IssueRequestView } from "../status/request-status.ts";
import type { GatewayContext } from "./builder.ts";
import { schema } from "./index.ts";

// The schema alone, over a request-status service that answers one fixed view: what a client reads
// of a request's reason, as the pinned string and as the typed enum beside it.
function gatewayAnswering(view: IssueRequestView) {
  const services = { requestStatus: { get: async () => view, watch: async function* () {} } };
  return createYoga({
    schema,
    context: () => ({ caller: null, services }) as unknown as GatewayContext,
  });
}

const request = (overrides: Partial<IssueRequestView>): IssueRequestView => ({
  requestId: "0190b7a4-7f00-7000-8000-000000000001",
  couponId: "7",
  userId: "42",
  status: "FAILED",
  reason: "SOLD_OUT",
  requestedAt: "2026-12-01T12:00:00.000Z",
  updatedAt: "2026-12-01T12:00:00.100Z",
  ...overrides,
});

async function query(view: IssueRequestView, document: string) {
  const response = await gatewayAnswering(view).fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: document }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const REASONS = `{ issueRequest(requestId: "0190b7a4-7f00-7000-8000-000000000001") { status reason failureReason } }`;

describe("IssueRequest.failureReason", () => {
  it.each(FAILURE_REASONS)("is %s, typed, where reason says it as a string", async (reason) => {
    expect(await query(request({ reason }), REASONS)).toEqual({
      data: { issueRequest: { status: "FAILED", reason, failureReason: reason } },
    });
  });

  it("is null, as reason is, for a request that did not fail", async () => {
    expect(await query(request({ status: "ISSUED", reason: null }), REASONS)).toEqual({
      data: { issueRequest: { status: "ISSUED", reason: null, failureReason: null } },
    });
  });
});

describe("Query.serverTime", () => {
  it("is the gateway's clock at the moment it answers", async () => {
    const before = Date.now();
    const body = await query(request({}), "{ serverTime }");
    const after = Date.now();
    const shown = Date.parse(String(body.data?.serverTime));
    expect(shown).toBeGreaterThanOrEqual(before);
    expect(shown).toBeLessThanOrEqual(after);
  });
});
