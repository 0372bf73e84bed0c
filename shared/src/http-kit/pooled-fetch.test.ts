import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPooledFetch } from "./pooled-fetch.ts";

/** What the server saw of each request, and who asked the fallback. */
const seen: Array<{
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}> = [];
const fallbackCalls: unknown[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url === "/no-content") return res.writeHead(204).end();
      if (req.url === "/unavailable")
        return res.writeHead(503, { "content-type": "text/plain" }).end("Redis is unavailable");
      if (req.url === "/slow") return setTimeout(() => res.end("late"), 5_000).unref();
      res
        .writeHead(200, { "content-type": "application/json", "upstash-sync-token": "t1" })
        .end(JSON.stringify({ echoed: body, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const pooledFetch = createPooledFetch({
  fallback: (input, init) => {
    fallbackCalls.push(input);
    return fetch(input, init);
  },
});

describe("the pooled fetch", () => {
  it("sends method, headers and a string body, and answers status, headers, json and text", async () => {
    const before = fallbackCalls.length;
    const response = await pooledFetch(`${base}/pipeline?x=1`, {
      method: "POST",
      headers: { Authorization: "Bearer token", "Content-Type": "application/json" },
      body: '[["PING"]]',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get("upstash-sync-token")).toBe("t1");
    expect(await response.json()).toEqual({ echoed: '[["PING"]]', url: "/pipeline?x=1" });
    expect(JSON.parse(await response.text())).toMatchObject({ url: "/pipeline?x=1" });
    const request = seen.at(-1);
    expect(request).toMatchObject({ method: "POST", body: '[["PING"]]' });
    expect(request?.headers.authorization).toBe("Bearer token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(fallbackCalls.length).toBe(before);
  });

  it("takes headers as a Headers object or pairs, and a URL", async () => {
    await pooledFetch(new URL(`${base}/a`), { headers: new Headers({ "X-One": "1" }) });
    expect(seen.at(-1)?.headers["x-one"]).toBe("1");
    await pooledFetch(`${base}/b`, { headers: [["X-Two", "2"]] });
    expect(seen.at(-1)?.headers["x-two"]).toBe("2");
    expect(seen.at(-1)?.method).toBe("GET");
  });

  it("answers an error status with its body, and a 204 without one", async () => {
    const unavailable = await pooledFetch(`${base}/unavailable`, { method: "POST", body: "{}" });
    expect(unavailable.ok).toBe(false);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.text()).toBe("Redis is unavailable");
    const empty = await pooledFetch(`${base}/no-content`, { method: "POST", body: "{}" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("fails to connect as fetch does: TypeError('fetch failed') with the cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await pooledFetch(`http://127.0.0.1:${port}/pipeline`, {
      method: "POST",
      body: "{}",
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
    expect((failure as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const pending = pooledFetch(`${base}/slow`, { signal: controller.signal });
    const reason = new Error("gave up");
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it("leaves event streams, non-string bodies and Request objects to the fallback", async () => {
    const before = fallbackCalls.length;
    await (
      await pooledFetch(`${base}/events`, { headers: { Accept: "text/event-stream" } })
    ).text();
    await (
      await pooledFetch(`${base}/bytes`, { method: "POST", body: new Uint8Array([1, 2]) })
    ).text();
    await (await pooledFetch(new Request(`${base}/request`))).text();
    expect(fallbackCalls.length - before).toBe(3);
    expect(seen.slice(-3).map((request) => request.url)).toEqual(["/events", "/bytes", "/request"]);
  });
});
