import { afterEach, describe, expect, it } from "vitest";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { createHttpService, type HttpService } from "#shared/http-kit/http-service.ts";
import { createDashboardRoutes, type DashboardRoutesOptions } from "./dashboard-routes.ts";
import type { DropSnapshot } from "./drop-snapshot.ts";

const TOKEN = "an-internal-api-token-of-32-bytes-at-least";
const snapshot: DropSnapshot = {
  at: 1,
  coupons: [],
  lag: { total: 0, partitions: [] },
  kafka: true,
};

let service: HttpService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function serve(options: Omit<DashboardRoutesOptions, "snapshots">): Promise<string> {
  const routes = createDashboardRoutes({ snapshots: { read: async () => snapshot }, ...options });
  service = createHttpService({
    async handle(request, response) {
      if (!(await routes(request, response))) throw new HttpError(404, "not found");
    },
  });
  await service.listen(0, "127.0.0.1");
  return service.url as string;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("dashboard routes", () => {
  it("outside development, answer only the dashboard's own token, and make a browser ask for it", async () => {
    const url = await serve({ access: { kind: "token", token: TOKEN } });
    for (const path of ["/dashboard", "/dashboard/snapshot", "/dashboard/events"]) {
      const refused = await fetch(`${url}${path}`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      await refused.body?.cancel();
      for (const wrong of [basic("admin", "guess"), basic("someone", TOKEN), "Bearer guess"]) {
        const answer = await fetch(`${url}${path}`, { headers: { authorization: wrong } });
        expect(answer.status).toBe(401);
        await answer.body?.cancel();
      }
    }
    const page = await fetch(`${url}/dashboard`, {
      headers: { authorization: basic("admin", TOKEN) },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("EventSource");
    const json = await fetch(`${url}/dashboard/snapshot`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await json.json()).toEqual(snapshot);
  });

  it("in development (no token) serve anyone, and stream a snapshot every interval", async () => {
    const url = await serve({ intervalMs: 50 });
    const events = await fetch(`${url}/dashboard/events`);
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while ((text.match(/event: snapshot/g) ?? []).length < 2)
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain(`data: ${JSON.stringify(snapshot)}`);
    await reader.cancel();
  });

  it("outside development without a token of its own, serve nobody and say what to set", async () => {
    const url = await serve({ access: { kind: "closed", variable: "DASHBOARD_TOKEN" } });
    const answer = await fetch(`${url}/dashboard`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(answer.status).toBe(403);
    expect((await answer.json()).error).toBe(
      "the dashboard is not served: set DASHBOARD_TOKEN to open it",
    );
  });

  it("refuses coupon lists that are not ids", async () => {
    const url = await serve({});
    const answer = await fetch(`${url}/dashboard/snapshot?coupons=1,x`);
    expect(answer.status).toBe(400);
  });
});
