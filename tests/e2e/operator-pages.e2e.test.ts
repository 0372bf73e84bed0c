// What an operator opens in a browser, in a real Chromium with no way out but the system itself:
// GraphiQL from the gateway, and the live drop dashboard from the control process.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_DIR } from "#stack/paths.ts";
import { openBrowser, type TestBrowser } from "../support/browser.ts";
import {
  CREATE_COUPON,
  createGraphqlClient,
  ISSUE_COUPON,
  type IssueResult,
} from "../support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { mapWithConcurrency, waitUntil } from "../support/wait.ts";

/** Where the browser tests leave their screenshots (under the data directory, which git ignores). */
const ARTIFACTS = join(DATA_DIR, "test-artifacts");

describe("operator pages in a browser", () => {
  let system: SystemUnderTest;
  let browser: TestBrowser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([
      startSystem({ gatewayRuntime: "deno", workers: 2, names: uniqueSystemNames() }),
      openBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it("GraphiQL renders from the gateway alone and runs the example operation", async () => {
    const page = await browser.context.newPage();
    // The first page makes the gateway load the ~9 MB renderer; this machine may be busy.
    page.setDefaultTimeout(120_000);
    const origin = new URL(system.graphqlUrl).origin;
    const before = browser.requests.length;
    await page.goto(system.graphqlUrl);
    await page.locator(".graphiql-execute-button").click();
    // The example holds several operations: GraphiQL asks which one to run.
    await page.locator(".graphiql-dropdown-item", { hasText: /^CreateCoupon$/ }).click();
    // The result pane is a Monaco editor: its spaces are non-breaking.
    const response = async () =>
      (await page.locator(".graphiql-response").innerText()).replaceAll("\u00a0", " ");
    await expect.poll(response, { timeout: 30_000 }).toContain('"Noon drop"');
    const result = JSON.parse(await response()) as {
      data: { createCoupon: { id: string; totalQuantity: number; remaining: number } };
    };
    expect(result.data.createCoupon).toMatchObject({ totalQuantity: 100, remaining: 100 });
    expect(browser.requests.length).toBeGreaterThan(before);
    expect(browser.outside(origin)).toEqual([]);
    await page.close();
  });

  it("the dashboard follows a drop live and ends on what PostgreSQL holds", async () => {
    const total = 30;
    const gql = createGraphqlClient(system.graphqlUrl);
    const created = await gql.request<{ createCoupon: { id: string } }>(CREATE_COUPON, {
      input: { name: "Noon drop", totalQuantity: total },
    });
    const couponId = created.data?.createCoupon.id as string;
    const page = await browser.context.newPage();
    await page.goto(`${system.internalApiUrl}/dashboard?coupons=${couponId}`);
    const row = page.locator(`tr[data-coupon="${couponId}"]`);
    const shown = async () => {
      const fields = await row
        .locator("td[data-field]")
        .evaluateAll((cells) =>
          Object.fromEntries(
            cells.map((c) => [
              (c as HTMLElement).dataset.field,
              c.textContent?.replaceAll(",", ""),
            ]),
          ),
        );
      return {
        total: Number(fields.total),
        admitted: Number(fields.admitted),
        issued: Number(fields.issued),
        failed: Number(fields.failed),
        remaining: Number(fields.remaining),
        pressesPerSecond: Number(fields["presses-per-second"]),
        inFlight: Number(fields.lag?.split(" ")[0]?.replace(/,$/, "")),
        deadLetters: Number(fields["dead-letters"]),
      };
    };
    await expect.poll(shown, { timeout: 30_000 }).toMatchObject({ total, admitted: 0, issued: 0 });

    // Workers frozen while the crowd presses: the page shows the admitted requests in flight.
    await system.pauseWorkers();
    let busiest = 0;
    const watching = setInterval(() => {
      void shown().then((s) => (busiest = Math.max(busiest, s.pressesPerSecond || 0)));
    }, 250);
    try {
      const users = Array.from({ length: total * 3 }, (_, i) => String(9_000_000 + i));
      const results = await mapWithConcurrency(users, 12, async (userId) => {
        const reply = await gql.request<{ issueCoupon: IssueResult }>(
          ISSUE_COUPON,
          { couponId },
          userId,
        );
        return reply.data?.issueCoupon.__typename;
      });
      expect(results.filter((r) => r === "IssueAccepted")).toHaveLength(total);
      await expect
        .poll(shown, { timeout: 30_000 })
        .toMatchObject({ admitted: total, issued: 0, inFlight: total, remaining: 0 });
      await waitUntil(() => busiest > 0, { what: "presses per second above 0 on the page" });
    } finally {
      clearInterval(watching);
      await system.resumeWorkers();
    }

    await expect
      .poll(shown, { timeout: 60_000 })
      .toMatchObject({ issued: total, inFlight: 0, admitted: total });
    const db = new pg.Client({ connectionString: system.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM user_coupon WHERE coupon_id = $1)::int AS issued,
                (SELECT count(*) FROM issue_failure WHERE coupon_id = $1)::int AS failed,
                (SELECT count(*) FROM dead_letter WHERE coupon_id = $1)::int AS dead_letters,
                (SELECT total_quantity FROM coupon WHERE id = $1) AS total`,
        [couponId],
      );
      const held = rows[0];
      expect(await shown()).toMatchObject({
        total: held.total,
        issued: held.issued,
        failed: held.failed,
        deadLetters: held.dead_letters,
        admitted: held.issued + held.failed,
        remaining: held.total - held.issued,
      });
    } finally {
      await db.end();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    // Only the system's own two origins were ever asked (GraphiQL's gateway, the dashboard's control).
    const gateway = new URL(system.graphqlUrl).origin;
    expect(browser.outside(gateway, new URL(system.internalApiUrl).origin)).toEqual([]);
    await page.close();
  });
});
