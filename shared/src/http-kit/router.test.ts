import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { createRouter, type RouteContext } from "./router.ts";

const request = (method: string, url: string) => ({ method, url }) as IncomingMessage;
const response = {} as ServerResponse;

describe("createRouter", () => {
  const seen: Array<{ route: string; params: RouteContext["params"]; query: string }> = [];
  const route = (method: string, path: string) => ({
    method,
    path,
    async handle({ params, query }: RouteContext) {
      seen.push({ route: `${method} ${path}`, params, query: query.toString() });
    },
  });
  const router = createRouter([
    route("GET", "/items/:id"),
    route("POST", "/items/:id/load"),
    route("POST", "/items/replay"),
    route("POST", "/items/:id"),
  ]);

  it("hands the first route matching method and path its decoded params and the query", async () => {
    seen.length = 0;
    expect(await router(request("GET", "/items/a%20b?limit=5"), response)).toBe(true);
    expect(await router(request("POST", "/items/7/load"), response)).toBe(true);
    expect(await router(request("POST", "/items/replay"), response)).toBe(true);
    expect(await router(request("POST", "/items/%E0%A4%A"), response)).toBe(true);
    expect(seen).toEqual([
      { route: "GET /items/:id", params: { id: "a b" }, query: "limit=5" },
      { route: "POST /items/:id/load", params: { id: "7" }, query: "" },
      { route: "POST /items/replay", params: {}, query: "" },
      { route: "POST /items/:id", params: { id: "%E0%A4%A" }, query: "" },
    ]);
  });

  it("leaves a request no route matches to the caller: other method, path or length", async () => {
    seen.length = 0;
    for (const [method, url] of [
      ["DELETE", "/items/7"],
      ["GET", "/items"],
      ["GET", "/items/7/load"],
      ["GET", "/other/7"],
      ["POST", "/items/7/load/again"],
    ] as const) {
      expect(await router(request(method, url), response), `${method} ${url}`).toBe(false);
    }
    expect(seen).toEqual([]);
  });
});
