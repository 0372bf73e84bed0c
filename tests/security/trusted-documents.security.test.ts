// A gateway in trusted-documents mode (TRUSTED_DOCUMENTS=only, on Deno): whoever reaches it can run
// what the project's clients run, by id, and not one operation more. An attacker's own queries, the
// alias flood, even the text of a trusted document sent as a query, are refused before anything
// runs; the project's own flow works by id, its subscription included.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_COUPON, ISSUE_COUPON, REQUEST_STATUS } from "#gateway/project-documents.ts";
import { documentId } from "#gateway/protection/trusted-documents.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";

let system: SystemUnderTest;
let db: pg.Pool;

beforeAll(async () => {
  system = await startSystem({
    workers: 1,
    gatewayRuntime: "deno",
    extraEnv: { gateway: { TRUSTED_DOCUMENTS: "only" } },
  });
  db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 1 });
});
afterAll(async () => {
  await db?.end();
  await system?.stop();
});

interface Answer {
  data?: Record<string, { __typename?: string; id?: string; requestId?: string; status?: string }>;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(system.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-user-id": "6001", ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Answer;
}

async function byId(document: string, variables: Record<string, unknown>) {
  return {
    extensions: { persistedQuery: { version: 1, sha256Hash: await documentId(document) } },
    variables,
  };
}

const couponCount = async () =>
  Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM coupon")).rows[0]?.n);

describe("a gateway that runs trusted documents only", () => {
  it("runs the project's own flow by id: create a coupon, press, watch it turn ISSUED", async () => {
    const created = await post(
      await byId(CREATE_COUPON, { input: { name: "trusted drop", totalQuantity: 3 } }),
    );
    expect(created.errors).toBeUndefined();
    const couponId = created.data?.createCoupon?.id as string;
    const pressed = await post(await byId(ISSUE_COUPON, { couponId }));
    expect(pressed.data?.issueCoupon?.__typename).toBe("IssueAccepted");
    const requestId = pressed.data?.issueCoupon?.requestId as string;

    const stream = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "x-user-id": "6001",
      },
      body: JSON.stringify(await byId(REQUEST_STATUS, { requestId })),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await stream.text();
    const statuses = [...text.matchAll(/"status":"(\w+)"/g)].map((match) => match[1]);
    expect(statuses.at(-1)).toBe("ISSUED");
  });

  it("refuses every query sent as text, a trusted document's own text included, and runs none", async () => {
    const coupons = await couponCount();
    const flood = `{${Array.from({ length: 500 }, (_, i) => `c${i}:coupon(id:"${i + 1}"){id}`).join(" ")}}`;
    for (const body of [
      { query: "{ __typename }" },
      { query: flood },
      { query: "{ __schema { types { name } } }" },
      { query: CREATE_COUPON, variables: { input: { name: "forged", totalQuantity: 1_000_000 } } },
    ]) {
      const answer = await post(body);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_ONLY");
    }
    expect(await couponCount()).toBe(coupons);
  });

  it("refuses an id that is no trusted document's", async () => {
    const unknown = await post(
      await byId('mutation { createCoupon(input: { name: "x", totalQuantity: 1 }) { id } }', {}),
    );
    expect(unknown.data).toBeUndefined();
    expect(unknown.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });
});
