import { describe, expect, it } from "vitest";
import { createHostPolicy, hostName } from "./host-policy.ts";

describe("hostName", () => {
  it("drops the port and folds case, IPv6 literals kept in brackets", () => {
    expect(hostName("LocalHost:4000")).toBe("localhost");
    expect(hostName("127.0.0.1")).toBe("127.0.0.1");
    expect(hostName("[::1]:8079")).toBe("[::1]");
    expect(hostName(" shop.example ")).toBe("shop.example");
  });
});

describe("a server on loopback", () => {
  const policy = createHostPolicy({ listenHost: "127.0.0.1", allowedHosts: [] });

  it("answers loopback names, with or without a port", () => {
    for (const host of [
      "127.0.0.1:4000",
      "localhost:4000",
      "[::1]:4000",
      "127.0.0.2",
      "app.localhost",
    ])
      expect(policy.allows(host), host).toBe(true);
  });

  it("refuses any other name: a DNS-rebound page's, a LAN name, no Host at all", () => {
    for (const host of [
      "rebind.evil.example:4000",
      "localhost.evil.example",
      "10.0.0.5:4000",
      "127.0.0.1.nip.io",
    ])
      expect(policy.allows(host), host).toBe(false);
    expect(policy.allows(null)).toBe(false);
  });

  it("answers the configured names of a reverse proxy on the machine besides", () => {
    const proxied = createHostPolicy({ listenHost: "localhost", allowedHosts: ["shop.example"] });
    expect(proxied.allows("shop.example")).toBe(true);
    expect(proxied.allows("localhost:4000")).toBe(true);
    expect(proxied.allows("rebind.evil.example")).toBe(false);
    expect(proxied.describe).toBe("loopback names, shop.example");
  });
});

describe("a server on another address", () => {
  it("answers any name when none is configured (a load balancer routes by name)", () => {
    const open = createHostPolicy({ listenHost: "0.0.0.0", allowedHosts: [] });
    expect(open.allows("anything.example")).toBe(true);
    expect(open.describe).toBe("any");
  });

  it("answers only the configured names once some are, subdomains by a leading *.", () => {
    const policy = createHostPolicy({
      listenHost: "0.0.0.0",
      allowedHosts: ["api.shop.example", "*.edge.shop.example"],
    });
    expect(policy.allows("api.shop.example:443")).toBe(true);
    expect(policy.allows("eu.edge.shop.example")).toBe(true);
    expect(policy.allows("edge.shop.example")).toBe(false);
    expect(policy.allows("localhost")).toBe(false);
    expect(policy.allows("evil-api.shop.example")).toBe(false);
    expect(policy.allows(null)).toBe(false);
  });
});
