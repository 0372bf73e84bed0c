import { describe, expect, it } from "vitest";
import { formatClusterNodes, parseClusterNodes } from "./redis-endpoint.ts";

describe("REDIS_CLUSTER_NODES", () => {
  it("reads host:port items, IPv6 in brackets, and writes them back the same", () => {
    const nodes = parseClusterNodes(" redis-a:7000, 10.0.0.2:7001 ,,[::1]:7002");
    expect(nodes).toEqual([
      { host: "redis-a", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(formatClusterNodes(nodes)).toBe("redis-a:7000,10.0.0.2:7001,[::1]:7002");
    expect(parseClusterNodes("")).toEqual([]);
  });

  it("refuses an item without a port, with a port out of range, or a URL", () => {
    for (const bad of ["redis-a", "redis-a:0", "redis-a:65536", "redis://redis-a:7000", "::1:7000"])
      expect(() => parseClusterNodes(bad), bad).toThrow(/expected host:port/);
  });
});
