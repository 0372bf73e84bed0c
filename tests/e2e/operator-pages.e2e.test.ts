// What an operator opens in a browser, in a real Chromium with no way out but the system itself:
// GraphiQL from the gateway, and the live drop dashboard from the control process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, type TestBrowser } from "../support/browser.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";

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
});
