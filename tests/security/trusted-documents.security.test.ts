// A gateway in trusted-documents mode (TRUSTED_DOCUMENTS=only, on Deno): whoever reaches it can run
// what the project's clients run, by id, and not one operation more. An attacker's own queries, the
// alias flood, even the text of a trusted document sent as a query, are refused before anything
// runs; the project's own flow works by id, its subscription included, and so does an app's own
// press from its manifest (TRUSTED_DOCUMENTS_FILE, GraphQL Code Generator's format).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_COUPON, ISSUE_COUPON, REQUEST_STATUS } from "#gateway/project-documents.ts";
import { documentId } from "#gateway/protection/trusted-documents.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";

let system: SystemUnderTest;
let db: pg.Pool;
let manifestDir: string;

/** An app's own press, as its client sends it: another name, an alias, Apollo's `__typename`s. */
const APP_PRESS = `mutation GrabCoupon($id: ID!) {
  grab: issueCoupon(couponId: $id) {
    __typename
    ... on IssueAccepted { requestId status __typename }
    ... on SoldOut { couponId __typename }
  }
}`;
let appPressId: string;

beforeAll(async () => {
  // persisted-documents.json as the client preset writes it: `sha256:` and the hex of the text.
  appPressId = `sha256:${await documentId(APP_PRESS)}`;
  manifestDir = await mkdtemp(join(tmpdir(), "trusted-documents-"));
  const manifestFile = join(manifestDir, "persisted-documents.json");
  await writeFile(manifestFile, JSON.stringify({ [appPressId]: APP_PRESS }, null, 2));
  system = await startSystem({
    workers: 1,
    gatewayRuntime: "deno",
    extraEnv: { gateway: { TRUSTED_DOCUMENTS: "only", TRUSTED_DOCUMENTS_FILE: manifestFile } },
  });
  db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 1 });
});
afterAll(async () => {
  await db?.end();
  await system?.stop();
  if (manifestDir) await rm(manifestDir, { recursive: true, force: true });
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

  it("presses by an id from the app's manifest, and refuses the same document sent as text", async () => {
    const created = await post(
      await byId(CREATE_COUPON, { input: { name: "manifest drop", totalQuantity: 1 } }),
    );
    const couponId = created.data?.createCoupon?.id as string;
    const pressed = await post(
      {
        extensions: { persistedQuery: { version: 1, sha256Hash: appPressId } },
        variables: { id: couponId },
      },
      { "x-user-id": "6002" },
    );
    expect(pressed.errors).toBeUndefined();
    expect(pressed.data?.grab?.__typename).toBe("IssueAccepted");
    // Apollo's link sends the bare hex of the same text: the same document.
    const again = await post(
      {
        extensions: {
          persistedQuery: { version: 1, sha256Hash: appPressId.slice("sha256:".length) },
        },
        variables: { id: couponId },
      },
      { "x-user-id": "6003" },
    );
    expect(again.data?.grab?.__typename).toBe("SoldOut");
    const asText = await post(
      { query: APP_PRESS, variables: { id: couponId } },
      { "x-user-id": "6004" },
    );
    expect(asText.data).toBeUndefined();
    expect(asText.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_ONLY");
  });

  it("refuses an id that is no trusted document's", async () => {
    const unknown = await post(
      await byId('mutation { createCoupon(input: { name: "x", totalQuantity: 1 }) { id } }', {}),
    );
    expect(unknown.data).toBeUndefined();
    expect(unknown.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });
});
