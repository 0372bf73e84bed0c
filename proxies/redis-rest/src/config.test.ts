import { describe, expect, it } from "vitest";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { readRedisRestConfig } from "./config.ts";

describe("readRedisRestConfig", () => {
  it("starts from the pinned local defaults", () => {
    expect(readRedisRestConfig({})).toEqual({
      // Readable lines, at info, unless NODE_ENV=production or LOG_FORMAT says otherwise.
      log: { level: "info", format: "pretty" },
      host: "127.0.0.1",
      port: 8079,
      redisUrl: LOCAL_DEFAULTS.REDIS_URL,
      redisClusterNodes: [],
      token: LOCAL_DEFAULTS.REDIS_REST_TOKEN,
      maxBodyBytes: 1024 * 1024,
      commandTimeoutMs: 5000,
      commands: "project",
      keyPrefix: "",
      httpLimits: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 4096,
        allowedHosts: [],
      },
    });
  });

  it("serves a Redis Cluster through its seed nodes, and refuses a node without a port", () => {
    const config = readRedisRestConfig({
      REDIS_URL: "redis://user:secret@10.0.0.1:7000",
      REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001,[fd00::3]:7002",
    });
    expect(config.redisClusterNodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
      { host: "fd00::3", port: 7002 },
    ]);
    expect(() => readRedisRestConfig({ REDIS_CLUSTER_NODES: "10.0.0.1" })).toThrow(
      /REDIS_CLUSTER_NODES.*invalid Redis Cluster node "10\.0\.0\.1": expected host:port/,
    );
  });

  it("refuses the development token on a non-loopback address", () => {
    expect(() => readRedisRestConfig({ REDIS_REST_URL: "http://0.0.0.0:8079" })).toThrow(
      /refusing to listen on 0\.0\.0\.0 with the development credentials.*REDIS_REST_TOKEN/,
    );
    expect(() =>
      readRedisRestConfig({ REDIS_REST_URL: "http://redis-rest:8079", REDIS_REST_BIND: "0.0.0.0" }),
    ).toThrow(/development credentials/);
  });

  it("listens anywhere with a token of its own", () => {
    const config = readRedisRestConfig({
      REDIS_REST_URL: "http://redis-rest:8079",
      REDIS_REST_BIND: "0.0.0.0",
      REDIS_REST_TOKEN: "a-token-of-its-own-at-least-32-bytes",
    });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 8079,
      token: "a-token-of-its-own-at-least-32-bytes",
    });
  });

  it("refuses a token of its own shorter than 32 bytes, on loopback too", () => {
    expect(() => readRedisRestConfig({ REDIS_REST_TOKEN: "a-token-of-its-own" })).toThrow(
      /REDIS_REST_TOKEN is 18 bytes long.*at least 32/,
    );
  });

  it("says which variable is wrong", () => {
    expect(() => readRedisRestConfig({ REDIS_REST_URL: "not a url" })).toThrow(/REDIS_REST_URL/);
    expect(() => readRedisRestConfig({ REDIS_REST_TOKEN: "" })).toThrow(/REDIS_REST_TOKEN/);
    expect(() => readRedisRestConfig({ REDIS_REST_MAX_BODY_BYTES: "-1" })).toThrow(
      /REDIS_REST_MAX_BODY_BYTES/,
    );
  });
});
