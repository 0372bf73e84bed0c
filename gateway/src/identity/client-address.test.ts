import { describe, expect, it } from "vitest";
import {
  addressSubject,
  forwardedAddress,
  rateLimitAddress,
  UNKNOWN_ADDRESS,
  workersClientAddress,
} from "./client-address.ts";

const request = (headers: Record<string, string> = {}) =>
  new Request("http://localhost/graphql", { method: "POST", headers });

describe("addressSubject", () => {
  it("keeps IPv4 as it is, without a port, and unwraps IPv4-mapped IPv6", () => {
    expect(addressSubject("203.0.113.7")).toBe("203.0.113.7");
    expect(addressSubject(" 203.0.113.7:51234 ")).toBe("203.0.113.7");
    expect(addressSubject("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressSubject("::FFFF:cb00:7107")).toBe("203.0.113.7");
  });

  it("counts IPv6 by its /64, whatever the rest, the notation, a zone or a port", () => {
    const subject = "2001:db8:85a3:8d3::/64";
    for (const address of [
      "2001:db8:85a3:8d3:1319:8a2e:370:7348",
      "2001:0DB8:85A3:08D3::1",
      "[2001:db8:85a3:8d3::42]:443",
      "2001:db8:85a3:8d3::7%eth0",
    ])
      expect(addressSubject(address), address).toBe(subject);
    expect(addressSubject("::1")).toBe("0:0:0:0::/64");
    expect(addressSubject("2001:db8::")).toBe("2001:db8:0:0::/64");
  });

  it("reads no subject from what is not an IP address", () => {
    for (const text of [
      "",
      "unknown",
      "example.com",
      "256.1.1.1",
      "1.2.3",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "1.2.3.4::",
      "{coupon:1}",
    ])
      expect(addressSubject(text), text).toBeNull();
  });
});

describe("forwardedAddress", () => {
  const xff = (value: string, hops = 1) =>
    forwardedAddress(new Headers({ "x-forwarded-for": value }), {
      header: "x-forwarded-for",
      hops,
    });

  it("takes the entry the trusted proxies did not write, never one the client could forge", () => {
    expect(xff("198.51.100.9")).toBe("198.51.100.9");
    // The client sent "1.1.1.1" itself; the one proxy appended what it saw.
    expect(xff("1.1.1.1, 198.51.100.9")).toBe("198.51.100.9");
    // Two proxies of one's own: the second-to-last entry.
    expect(xff("1.1.1.1, 198.51.100.9, 10.0.0.2", 2)).toBe("198.51.100.9");
    // Fewer entries than hops: the leftmost is the best there is.
    expect(xff("198.51.100.9", 3)).toBe("198.51.100.9");
  });

  it("reads RFC 7239's Forwarded, and answers undefined without the header or entries", () => {
    const headers = new Headers({
      forwarded: 'for=1.1.1.1, for="[2001:db8::1]:4711";proto=https;by=203.0.113.43',
    });
    expect(forwardedAddress(headers, { header: "forwarded", hops: 1 })).toBe("[2001:db8::1]:4711");
    expect(forwardedAddress(new Headers(), { header: "x-forwarded-for", hops: 1 })).toBeUndefined();
    expect(xff(" , ")).toBeUndefined();
  });
});

describe("rateLimitAddress", () => {
  const trusted = { header: "x-forwarded-for", hops: 1 };

  it("counts the socket's peer when no proxy is trusted, whatever headers the client sends", () => {
    const spoofing = request({ "x-forwarded-for": "198.51.100.9" });
    const options = { trustedProxy: null, exemptLoopback: false };
    expect(rateLimitAddress(spoofing, "203.0.113.7", options)).toBe("203.0.113.7");
  });

  it("counts the trusted proxy's entry, and the peer when the header is missing", () => {
    const options = { trustedProxy: trusted, exemptLoopback: false };
    const forwarded = request({ "x-forwarded-for": "6.6.6.6, 198.51.100.9" });
    expect(rateLimitAddress(forwarded, "10.0.0.1", options)).toBe("198.51.100.9");
    expect(rateLimitAddress(request(), "10.0.0.1", options)).toBe("10.0.0.1");
  });

  it("exempts loopback clients only in development mode", () => {
    for (const loopback of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      expect(
        rateLimitAddress(request(), loopback, { trustedProxy: null, exemptLoopback: true }),
      ).toBeNull();
      expect(
        rateLimitAddress(request(), loopback, { trustedProxy: null, exemptLoopback: false }),
      ).not.toBeNull();
    }
    // Through a trusted proxy on this machine, the client behind it is what counts.
    const behindProxy = request({ "x-forwarded-for": "198.51.100.9" });
    expect(
      rateLimitAddress(behindProxy, "127.0.0.1", { trustedProxy: trusted, exemptLoopback: true }),
    ).toBe("198.51.100.9");
  });

  it("puts every caller whose address cannot be read in one shared bucket, never in none", () => {
    const options = { trustedProxy: trusted, exemptLoopback: true };
    expect(rateLimitAddress(request(), undefined, options)).toBe(UNKNOWN_ADDRESS);
    const garbage = request({ "x-forwarded-for": "not-an-address" });
    expect(rateLimitAddress(garbage, "127.0.0.1", options)).toBe(UNKNOWN_ADDRESS);
  });
});

describe("workersClientAddress", () => {
  const withCf = (cf: unknown, headers: Record<string, string> = {}) =>
    Object.assign(request(headers), { cf });

  it("reads workerd's socket peer, which a client's CF-Connecting-IP cannot override", () => {
    const local = withCf({ clientIp: "127.0.0.1:51234" }, { "cf-connecting-ip": "203.0.113.7" });
    expect(workersClientAddress(local)).toBe("127.0.0.1:51234");
    expect(addressSubject(workersClientAddress(local) as string)).toBe("127.0.0.1");
  });

  it("reads CF-Connecting-IP on Cloudflare's network, where request.cf names no address", () => {
    const edge = withCf({ colo: "ICN", country: "KR" }, { "cf-connecting-ip": "2001:db8::7" });
    expect(workersClientAddress(edge)).toBe("2001:db8::7");
  });

  it("has no address when neither is there: the caller then shares the unknown bucket", () => {
    expect(workersClientAddress(withCf(undefined))).toBeUndefined();
    expect(workersClientAddress(withCf({ clientIp: "" }))).toBeUndefined();
    const options = { trustedProxy: null, exemptLoopback: false };
    expect(rateLimitAddress(request(), workersClientAddress(request()), options)).toBe(
      UNKNOWN_ADDRESS,
    );
  });
});
