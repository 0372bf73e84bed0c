import { createServer } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createRedisClient, untilConnected } from "./redis-client.ts";

const clients: Array<ReturnType<typeof createRedisClient>> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

describe("untilConnected", () => {
  it("waits for the first connection, after which commands are taken", async () => {
    const redis = createRedisClient({ url: inject("testEnv").REDIS_URL, clusterNodes: [] });
    clients.push(redis);
    // Failing fast: a command sent before the connection is up is refused, not queued.
    await expect(redis.ping()).rejects.toThrow(/enableOfflineQueue/);
    await untilConnected(redis);
    expect(redis.status).toBe("ready");
    expect(await redis.ping()).toBe("PONG");
  });

  it("gives up waiting after the timeout when Redis is not there", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const redis = createRedisClient({ url: `redis://127.0.0.1:${port}`, clusterNodes: [] });
    clients.push(redis);
    const started = Date.now();
    await untilConnected(redis, 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(redis.status).not.toBe("ready");
  });
});
