import { request as httpRequest } from "node:http";
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { couponKeyList, requestIndexKey, requestStatusChannel } from "#shared/redis/keys.ts";
import { LUA_SOURCES } from "#shared/redis/lua-sources.generated.ts";
import { privateRedis } from "#test-support/private-redis.ts";
import { waitUntil } from "#test-support/wait.ts";
import { createRedisRestProxy, type RedisRestProxy } from "./server.ts";

const TOKEN = `test-token-${crypto.randomUUID()}`;
const redisUrl = inject("testEnv").REDIS_URL;
let proxy: RedisRestProxy;
let url: string;
let client: Redis;
/** Direct access to the same Redis, to check what the proxy did there. */
let direct: IORedis;
const key = (name: string) => `proxy-test:${crypto.randomUUID()}:${name}`;

beforeAll(async () => {
  // The dialect's common commands: this suite checks the encoding and routes with every kind of reply.
  proxy = createRedisRestProxy({ redisUrl, token: TOKEN, commands: "upstash" });
  url = await proxy.listen(0);
  client = new Redis({ url, token: TOKEN });
  direct = new IORedis(redisUrl);
  await waitUntil(() => proxy.redis.status === "ready", { what: "the proxy's Redis connection" });
});
afterAll(async () => {
  await proxy.close();
  direct.disconnect();
});

async function raw(
  path: string,
  body: unknown,
  {
    headers = {},
    method = "POST",
    base = url,
  }: { headers?: Record<string, string>; method?: string; base?: string } = {},
) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: the assertions are what check the answer's shape.
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: json };
}

/** Opens a raw SSE subscription and collects its `data:` lines. */
async function openStream(path: string, base = url) {
  const abort = new AbortController();
  const response = await fetch(base + path, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
    body: "[]",
    signal: abort.signal,
  });
  const lines: string[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        for (const line of parts) if (line.startsWith("data: ")) lines.push(line.slice(6));
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    status: response.status,
    lines,
    get ended() {
      return ended;
    },
    reading,
    close: () => abort.abort(),
  };
}

async function subscriberCount(channel: string): Promise<number> {
  const reply = (await direct.call("PUBSUB", "NUMSUB", channel)) as [string, number];
  return Number(reply[1]);
}

describe("Redis REST proxy with the official @upstash/redis client", () => {
  it("round-trips JSON values as objects", async () => {
    const k = key("json");
    const value = { name: "noon drop", stock: 300, tags: ["a", "b"], nested: { ok: true } };
    expect(await client.set(k, value)).toBe("OK");
    expect(await client.get(k)).toEqual(value);
  });

  it("keeps strings intact whatever they hold: emoji, Korean, newlines, tabs, NUL", async () => {
    const k = key("text");
    const value = "쿠폰 🎟️\nline two\r\n\ttab\u0000end";
    await client.set(k, value);
    expect(await client.get(k)).toBe(value);
    expect(await direct.getBuffer(k)).toEqual(Buffer.from(value, "utf8"));
  });

  it("base64-encodes the raw bytes Redis holds, non-UTF-8 included, at every nesting level", async () => {
    const k = key("bytes");
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]);
    await direct.rpush(k, bytes, "two");
    const one = await raw("/", ["LINDEX", k, 0], { headers: { "upstash-encoding": "base64" } });
    expect(Buffer.from(one.body.result, "base64")).toEqual(bytes);
    const list = await raw("/", ["LRANGE", k, 0, -1], {
      headers: { "upstash-encoding": "base64" },
    });
    expect(list.body.result.map((item: string) => Buffer.from(item, "base64"))).toEqual([
      bytes,
      Buffer.from("two"),
    ]);
    const count = await raw("/", ["LLEN", k], { headers: { "upstash-encoding": "base64" } });
    expect(count.body.result).toBe(2);
  });

  it("answers UTF-8 strings without Upstash-Encoding, and a sync token on every answer", async () => {
    const k = key("plain");
    const set = await raw("/", ["SET", k, "쿠폰"]);
    expect(set.body).toEqual({ result: "OK" });
    const get = await raw("/", ["GET", k]);
    expect(get.body).toEqual({ result: "쿠폰" });
    expect(Number(get.headers.get("upstash-sync-token"))).toBeGreaterThan(
      Number(set.headers.get("upstash-sync-token")),
    );
  });

  it("runs pipelines, a failing or refused item answered in place while the others run", async () => {
    const k = key("pipe");
    expect(await client.pipeline().set(k, 1).incr(k).get(k).exec()).toEqual(["OK", 2, 2]);
    const mixed = await raw("/pipeline", [["SET", k, "x"], ["INCR", k], ["FLUSHALL"], ["GET", k]]);
    expect(mixed.status).toBe(200);
    expect(mixed.body[0]).toEqual({ result: "OK" });
    expect(mixed.body[1].error).toMatch(/not an integer/);
    expect(mixed.body[2].error).toMatch(/'flushall' is not allowed/);
    expect(mixed.body[3]).toEqual({ result: "x" });
    await expect(client.pipeline().set(k, "y").incr(k).exec()).rejects.toThrow(/not an integer/);
  });

  it("runs multi-exec as one real transaction", async () => {
    const k = key("tx");
    expect(await client.multi().set(k, "a").append(k, "b").get(k).exec()).toEqual(["OK", 2, "ab"]);
  });

  it("refuses an aborted transaction (EXECABORT) with an error the client throws, and runs none of it", async () => {
    const k = key("tx-abort");
    await client.set(k, "before");
    // HSET with no field/value pairs is a syntax error Redis reports while queueing.
    await expect(client.multi().set(k, "after").hset(key("h"), {}).get(k).exec()).rejects.toThrow(
      /EXECABORT.*wrong number of arguments for 'hset'/,
    );
    expect(await client.get(k)).toBe("before");
    const rawAbort = await raw("/multi-exec", [["SET", k, "after"], ["INCR"]]);
    expect(rawAbort.status).toBe(400);
    expect(rawAbort.body.error).toMatch(/EXECABORT/);
    const refused = await raw("/multi-exec", [["SET", k, "after"], ["FLUSHDB"]]);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/'flushdb' is not allowed.*not run/);
    expect(await client.get(k)).toBe("before");
  });

  it("runs the project's scripts by SHA, and loads them again when Redis lost its script cache", async () => {
    const script = client.createScript<string | null>(LUA_SOURCES["read-request"]);
    const keys = couponKeyList(`proxy-test-${crypto.randomUUID()}`);
    expect(await script.exec(keys, ["no-such-request"])).toBeNull();
    // An operator flushed the cache (or Redis restarted): the proxy loads the script and runs it.
    await direct.script("FLUSH");
    expect((await raw("/", ["EVALSHA", script.sha1, 4, ...keys, "x"])).body).toEqual({
      result: null,
    });
    await direct.script("FLUSH");
    const [item] = (await raw("/pipeline", [["EVALSHA", script.sha1, 4, ...keys, "x"]])).body;
    expect(item).toEqual({ result: null });
    await direct.script("FLUSH");
    expect((await raw("/multi-exec", [["EVALSHA", script.sha1, 4, ...keys, "x"]])).body).toEqual([
      { result: null },
    ]);
    // EVAL of a project script's source runs it by SHA; any other Lua is refused.
    expect(await client.eval(LUA_SOURCES["read-request"], keys, ["x"])).toBeNull();
    await expect(client.eval("return ARGV[1] .. '!'", [], ["hi"])).rejects.toThrow(
      /eval of a script other than the project's is not allowed/,
    );
  });

  it("delivers pub/sub messages over SSE to subscribe(), and releases the channel on abort", async () => {
    const channel = `proxy-test-${crypto.randomUUID()}`;
    const subscriber = client.subscribe<{ requestId: string }>(channel);
    const received: unknown[] = [];
    const subscribed = new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));
    subscriber.on("message", ({ message }) => received.push(message));
    await subscribed;
    expect(await client.publish(channel, { requestId: "r-1" })).toBe(1);
    await waitUntil(() => received.length === 1, { timeoutMs: 5000, what: "the message" });
    expect(received).toEqual([{ requestId: "r-1" }]);
    await subscriber.unsubscribe();
    await waitUntil(async () => (await subscriberCount(channel)) === 0, {
      timeoutMs: 5000,
      what: "the channel to be released in Redis",
    });
  });

  it("delivers pattern messages to psubscribe()", async () => {
    const prefix = `proxy-test-${crypto.randomUUID()}`;
    const subscriber = client.psubscribe<{ n: number }>(`${prefix}:*`);
    const received: Array<{ pattern: string; channel: string; message: { n: number } }> = [];
    const subscribed = new Promise<void>((resolve) => subscriber.on("psubscribe", () => resolve()));
    subscriber.on("pmessage", (event) => received.push(event));
    await subscribed;
    await client.publish(`${prefix}:a`, { n: 1 });
    await waitUntil(() => received.length === 1, { timeoutMs: 5000, what: "the pattern message" });
    expect(received[0]).toEqual({
      pattern: `${prefix}:*`,
      channel: `${prefix}:a`,
      message: { n: 1 },
    });
    await subscriber.unsubscribe();
  });

  it("fans one Redis subscription out to many SSE clients, and unsubscribes after the last leaves", async () => {
    const channel = `proxy-test-${crypto.randomUUID()}`;
    const streams = await Promise.all(
      Array.from({ length: 50 }, () => openStream(`/subscribe/${channel}`)),
    );
    await waitUntil(() => streams.every((s) => s.lines.length === 1), { what: "50 confirmations" });
    expect(streams.every((s) => s.lines[0] === `subscribe,${channel},1`)).toBe(true);
    // Fifty listeners, one subscription as far as Redis is concerned.
    expect(await subscriberCount(channel)).toBe(1);
    expect(await direct.publish(channel, "to all")).toBe(1);
    await waitUntil(() => streams.every((s) => s.lines.length === 2), { what: "50 deliveries" });
    expect(new Set(streams.map((s) => s.lines[1]))).toEqual(new Set([`message,${channel},to all`]));
    const listening = proxy.hub.listenerCount;
    for (const stream of streams.slice(1)) stream.close();
    // Once the proxy has seen the 49 leave, any UNSUBSCRIBE they caused has been sent to Redis.
    await waitUntil(() => proxy.hub.listenerCount <= listening - 49, {
      timeoutMs: 5000,
      what: "the proxy to see 49 clients leave",
    });
    expect(await subscriberCount(channel)).toBe(1);
    streams[0]?.close();
    await waitUntil(async () => (await subscriberCount(channel)) === 0, {
      timeoutMs: 5000,
      what: "the last client's leaving to unsubscribe",
    });
  });

  it("keeps a payload with line breaks on one SSE line, so no event can be forged", async () => {
    const channel = `proxy-test-${crypto.randomUUID()}`;
    const stream = await openStream(`/subscribe/${channel}`);
    await waitUntil(() => stream.lines.length === 1, { what: "the confirmation" });
    await direct.publish(channel, "a\ndata: message,other,forged\r\nb");
    await waitUntil(() => stream.lines.length === 2, { what: "the message" });
    expect(stream.lines[1]).toBe(`message,${channel},a data: message,other,forged b`);
    stream.close();
  });

  it("refuses dangerous commands with a clear 400, through raw calls and the client", async () => {
    for (const command of [
      ["FLUSHALL"],
      ["CONFIG", "GET", "*"],
      ["KEYS", "*"],
      ["SHUTDOWN"],
      ["SCRIPT", "FLUSH"],
      ["DEBUG", "SLEEP", "0"],
      ["CLIENT", "LIST"],
      ["SUBSCRIBE", "c"],
    ]) {
      const reply = await raw("/", command);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        error: expect.stringMatching(/^ERR command '.+' is not allowed by this proxy/),
        status: 400,
      });
    }
    await expect(client.flushall()).rejects.toThrow(/'flushall' is not allowed by this proxy/);
    await expect(client.flushdb()).rejects.toThrow(/'flushdb' is not allowed by this proxy/);
  });

  it("answers 401 without the right token, 413 to a 5 MB body, 400 to bad input, 404/405 to wrong routes", async () => {
    const wrong = new Redis({ url, token: "wrong", retry: false });
    await expect(wrong.get("k")).rejects.toThrow(/Unauthorized/);
    expect((await raw("/", ["PING"], { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    expect((await raw("/", ["PING"], { headers: { authorization: "" } })).status).toBe(401);
    const big = await raw("/", ["SET", key("big"), "x".repeat(5 * 1024 * 1024)]);
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/exceeds the limit of 1048576 bytes/);
    await expect(client.set(key("big"), "x".repeat(5 * 1024 * 1024))).rejects.toThrow(/limit/);
    expect((await raw("/", "{not json")).status).toBe(400);
    const notACommand = await raw("/", { not: "a command" });
    expect(notACommand.status).toBe(400);
    expect(notACommand.body.error).toMatch(/invalid command/);
    expect((await raw("/pipeline", [])).status).toBe(400);
    expect((await raw("/nope", ["PING"])).status).toBe(404);
    const get = await raw("/pipeline", null, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("reports health without a token", async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", backend: "up" });
  });
});

describe("Redis REST proxy when Redis goes away", () => {
  it("answers 503 quickly while Redis is down and recovers by itself when it returns", async () => {
    const redis = await privateRedis();
    await redis.start();
    const own = createRedisRestProxy({ redisUrl: redis.url, token: TOKEN, commands: "upstash" });
    const ownUrl = await own.listen(0);
    const ownClient = new Redis({ url: ownUrl, token: TOKEN });
    try {
      await waitUntil(() => own.redis.status === "ready", { what: "connected" });
      expect(await ownClient.set("k", "v")).toBe("OK");

      await redis.stop();
      await waitUntil(() => own.redis.status !== "ready", { what: "the disconnect to be seen" });
      const started = Date.now();
      const down = await raw("/", ["GET", "k"], { base: ownUrl });
      expect(down.status).toBe(503);
      expect(down.body.error).toMatch(/Redis is unavailable/);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await raw("/pipeline", [["GET", "k"]], { base: ownUrl })).status).toBe(503);
      expect((await raw("/multi-exec", [["GET", "k"]], { base: ownUrl })).status).toBe(503);
      const subscribe = await openStream(`/subscribe/c-${crypto.randomUUID()}`, ownUrl);
      expect(subscribe.status).toBe(503);
      expect(await (await fetch(`${ownUrl}/health`)).json()).toEqual({
        status: "ok",
        backend: "down",
      });

      await redis.start();
      await waitUntil(() => own.redis.status === "ready", { timeoutMs: 15_000, what: "reconnect" });
      expect(await ownClient.ping()).toBe("PONG");
      expect(await ownClient.set("k", "again")).toBe("OK");
    } finally {
      await own.close();
      await redis.stop();
    }
  });
});

describe("Redis REST proxy with a slow SSE client", () => {
  it("cuts off a client that stops reading instead of buffering for it without end", async () => {
    const own = createRedisRestProxy({
      redisUrl,
      token: TOKEN,
      maxSseBufferedBytes: 64 * 1024,
      commands: "upstash",
    });
    const ownUrl = await own.listen(0);
    const channel = `proxy-test-${crypto.randomUUID()}`;
    try {
      await waitUntil(() => own.redis.status === "ready", { what: "connected" });
      // A client that reads the headers and then nothing more.
      const closed = new Promise<void>((resolve) => {
        const req = httpRequest(
          `${ownUrl}/subscribe/${channel}`,
          { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            res.pause();
            res.once("close", () => resolve());
          },
        );
        req.on("error", () => resolve());
        req.end("[]");
      });
      await waitUntil(async () => (await subscriberCount(channel)) === 1, { what: "subscribed" });
      const payload = "x".repeat(64 * 1024);
      for (let i = 0; i < 400 && (await subscriberCount(channel)) === 1; i++) {
        await direct.publish(channel, payload);
      }
      await closed;
      await waitUntil(async () => (await subscriberCount(channel)) === 0, {
        timeoutMs: 5000,
        what: "the slow client's subscription to be released",
      });
    } finally {
      await own.close(100);
    }
  });
});

describe("Redis REST proxy shutdown", () => {
  it("ends SSE streams, finishes in flight, then refuses connections", async () => {
    const own = createRedisRestProxy({ redisUrl, token: TOKEN, commands: "upstash" });
    const ownUrl = await own.listen(0);
    await waitUntil(() => own.redis.status === "ready", { what: "connected" });
    const stream = await openStream(`/subscribe/c-${crypto.randomUUID()}`, ownUrl);
    await waitUntil(() => stream.lines.length === 1, { what: "the confirmation" });
    await own.close();
    await stream.reading;
    expect(stream.ended).toBe(true);
    await expect(fetch(`${ownUrl}/health`)).rejects.toThrow();
    await waitUntil(() => own.redis.status === "end", { timeoutMs: 2000, what: "Redis closed" });
  });
});

describe("Redis REST proxy serving the gateway (the default project profile)", () => {
  let gatewayProxy: RedisRestProxy;
  let gateway: Redis;
  let base: string;
  const requestId = crypto.randomUUID();
  const asGateway = (path: string, body: unknown) => raw(path, body, { base });

  beforeAll(async () => {
    gatewayProxy = createRedisRestProxy({ redisUrl, token: TOKEN });
    base = await gatewayProxy.listen(0);
    gateway = new Redis({ url: base, token: TOKEN, automaticDeserialization: false });
    await waitUntil(() => gatewayProxy.redis.status === "ready", { what: "the proxy's Redis" });
  });
  afterAll(() => gatewayProxy.close());

  it("serves what the gateway does: admission scripts, the request index, status subscriptions", async () => {
    const keys = couponKeyList(`proxy-test-${crypto.randomUUID()}`);
    const admit = gateway.createScript<string[]>(LUA_SOURCES.admit);
    expect(await admit.exec(keys, ["1", requestId, "1", new Date().toISOString()])).toEqual([
      "NOT_LOADED",
    ]);
    await gateway.set(requestIndexKey(requestId), "7", { ex: 60 });
    expect(await gateway.get(requestIndexKey(requestId))).toBe("7");
    const channel = requestStatusChannel(requestId);
    const stream = await openStream(`/subscribe/${channel}`, base);
    await waitUntil(() => stream.lines.length === 1, { what: "the confirmation" });
    await direct.publish(channel, "PENDING");
    await waitUntil(() => stream.lines.length === 2, { what: "the status message" });
    expect(stream.lines[1]).toBe(`message,${channel},PENDING`);
    stream.close();
  });

  it("refuses arbitrary Lua, so no script can flush, spin or publish, and the data stays", async () => {
    const canary = key("canary");
    await direct.set(canary, "alive");
    for (const source of [
      "return redis.call('FLUSHALL')",
      "while true do end",
      `return redis.call('PUBLISH', '${requestStatusChannel(requestId)}', 'ISSUED')`,
    ]) {
      const reply = await asGateway("/", ["EVAL", source, 0]);
      expect(reply).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/not allowed/) },
      });
    }
    await expect(gateway.eval("return redis.call('FLUSHDB')", [], [])).rejects.toThrow(
      /not allowed/,
    );
    const unknownSha = await asGateway("/", ["EVALSHA", "0".repeat(40), 0]);
    expect(unknownSha.status).toBe(400);
    expect(await direct.get(canary)).toBe("alive");
    // Redis still answers at once: no script is spinning in it.
    expect(await direct.ping()).toBe("PONG");
  });

  it("refuses commands the gateway never sends, and keys it never touches", async () => {
    const canary = key("canary");
    await direct.set(canary, "alive");
    for (const command of [
      ["DEL", canary],
      ["RENAME", canary, key("moved")],
      ["PUBLISH", requestStatusChannel(requestId), "ISSUED"],
      ["GET", canary],
      ["SET", canary, "overwritten", "EX", 60],
      ["SET", "coupon:{coupon:1}:meta", "x", "EX", 60],
      ["FLUSHALL"],
      ["SCRIPT", "LOAD", "return 1"],
    ]) {
      const reply = await asGateway("/", command);
      expect(reply).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/not allowed/) },
      });
    }
    const pipeline = await asGateway("/pipeline", [["DEL", canary], ["PING"]]);
    expect(pipeline.body).toEqual([
      { error: "ERR command 'del' is not allowed by this proxy" },
      { result: "PONG" },
    ]);
    expect(await direct.get(canary)).toBe("alive");
  });

  it("serves subscriptions to request status channels only", async () => {
    for (const path of ["/subscribe/some-other-channel", "/psubscribe/issue-status:*"]) {
      const reply = await asGateway(path, []);
      expect(reply).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/not allowed/) },
      });
    }
  });
});
