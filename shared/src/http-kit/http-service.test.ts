import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "#test-support/wait.ts";
import { silentLogger } from "../logging/logger.ts";
import { HttpError } from "./http-error.ts";
import { createHttpService, type HttpService } from "./http-service.ts";
import { sendJson } from "./json-response.ts";
import { readJsonBody } from "./read-body.ts";

let service: HttpService | undefined;
afterEach(async () => {
  await service?.close(100);
  service = undefined;
});

function start(handle: Parameters<typeof createHttpService>[0]["handle"], onDrained?: () => void) {
  service = createHttpService({ handle, onDrained, logger: silentLogger() });
  return service.listen(0);
}

/** A request whose body arrives in chunks without a Content-Length (chunked encoding). */
function postChunked(url: string, chunks: number, chunkBytes: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}/`, { method: "POST" }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    let sent = 0;
    const writeMore = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(Buffer.alloc(chunkBytes, 97))) return void req.once("drain", writeMore);
      }
      req.end();
    };
    writeMore();
  });
}

describe("createHttpService", () => {
  it("answers an HttpError with its status and {error, status}, anything else with a 500", async () => {
    const url = await start(async (request) => {
      if (request.url === "/teapot") throw new HttpError(418, "short and stout");
      throw new Error("a bug");
    });
    const teapot = await fetch(`${url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ error: "short and stout", status: 418 });
    const bug = await fetch(`${url}/other`);
    expect(bug.status).toBe(500);
    expect((await bug.json()).error).toMatch(/a bug/);
  });

  it("refuses a body over the limit with 413, declared up front or found while reading", async () => {
    const url = await start(async (request, response) => {
      sendJson(response, 200, { got: await readJsonBody(request, 1024) });
    });
    const declared = await fetch(url, { method: "POST", body: "x".repeat(2048) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error).toMatch(/2048 bytes exceeds the limit of 1024/);
    const chunked = await postChunked(url, 64, 64 * 1024);
    expect(chunked.status).toBe(413);
    const small = await fetch(url, { method: "POST", body: JSON.stringify([1, 2]) });
    expect(await small.json()).toEqual({ got: [1, 2] });
  });

  it("shuts down gracefully: no new connections, in-flight requests finish, then onDrained", async () => {
    const events: string[] = [];
    let release: () => void = () => {};
    const url = await start(
      async (_request, response) => {
        events.push("request started");
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        sendJson(response, 200, { done: true });
        events.push("answered");
      },
      () => {
        events.push("drained");
      },
    );
    const inFlight = fetch(url).then((response) => response.json());
    await waitUntil(() => events.length > 0, { intervalMs: 5, what: "the request to start" });
    const running = service as HttpService;
    const closed = running.close(5000).then(() => events.push("closed"));
    await waitUntil(() => !running.server.listening, {
      intervalMs: 5,
      what: "the listener to close",
    });
    await expect(fetch(url)).rejects.toThrow();
    expect(events).toEqual(["request started"]);
    release();
    expect(await inFlight).toEqual({ done: true });
    await closed;
    expect(events).toEqual(["request started", "answered", "drained", "closed"]);
  });

  it("refuses a declared body above the service's limit before any handler runs, on any route", async () => {
    const handled: string[] = [];
    service = createHttpService({
      handle: async (request, response) => {
        handled.push(request.url ?? "");
        sendJson(response, 200, { ok: true });
      },
      maxBodyBytes: 1024,
      logger: silentLogger(),
    });
    const url = await service.listen(0);
    const refused = await fetch(`${url}/health`, { method: "POST", body: "x".repeat(4096) });
    expect(refused.status).toBe(413);
    expect((await refused.json()).error).toMatch(/4096 bytes exceeds the limit of 1024/);
    expect(handled).toEqual([]);
    expect((await fetch(`${url}/health`, { method: "POST", body: "x" })).status).toBe(200);
  });

  it("on loopback answers loopback names only: a DNS-rebound page's Host gets 421 and no handler runs", async () => {
    const handled: string[] = [];
    service = createHttpService({
      handle: async (request, response) => {
        handled.push(request.headers.host ?? "");
        sendJson(response, 200, { ok: true });
      },
      limits: { allowedHosts: ["shop.example"] },
      logger: silentLogger(),
    });
    const url = await service.listen(0, "127.0.0.1");
    const port = new URL(url).port;
    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${url}/health`, { headers: { host } }, (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject).end();
      });
    const rebound = await withHost(`rebind.evil.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).error).toMatch(
      /Host "rebind\.evil\.example:\d+" is not served here \(this server answers loopback names, shop\.example\)/,
    );
    expect(handled).toEqual([]);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "shop.example"])
      expect((await withHost(host)).status, host).toBe(200);
    expect(handled).toEqual([`127.0.0.1:${port}`, `localhost:${port}`, "shop.example"]);
  });

  it("cuts off a client that sends its headers too slowly, with 408 (slowloris)", async () => {
    service = createHttpService({
      handle: async (_request, response) => sendJson(response, 200, { ok: true }),
      limits: { headersTimeoutMs: 200, requestTimeoutMs: 1000 },
      logger: silentLogger(),
    });
    const url = new URL(await service.listen(0));
    const socket = connect(Number(url.port), url.hostname);
    // Headers started, never finished: the server must not wait for the rest forever.
    socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    expect(await untilClosed(socket)).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes connections beyond maxConnections at once, and serves those within it", async () => {
    service = createHttpService({
      handle: async (_request, response) => sendJson(response, 200, { ok: true }),
      limits: { maxConnections: 2 },
      logger: silentLogger(),
    });
    const url = new URL(await service.listen(0));
    let accepted = 0;
    service.server.on("connection", () => accepted++);
    const open = [connect(Number(url.port), url.hostname), connect(Number(url.port), url.hostname)];
    await waitUntil(() => accepted === 2, { intervalMs: 5, what: "two connections accepted" });
    const third = connect(Number(url.port), url.hostname);
    third.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(await untilClosed(third)).toBe("");
    const [first] = open as [Socket, Socket];
    first.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    expect(await untilClosed(first)).toMatch(/^HTTP\/1\.1 200/);
    for (const socket of open) socket.destroy();
  });
});

/** Everything the server sent on `socket` until it closed the connection. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(received));
  });
}
