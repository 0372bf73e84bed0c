import { describe, expect, it } from "vitest";
import { assertCredentialsFitHost } from "./credentials-rule.ts";
import { isLoopbackHost, listenAddressFromUrl } from "./listen-address.ts";

describe("listenAddressFromUrl", () => {
  it("listens on the URL's host and port, or on the bind host when one is given", () => {
    expect(listenAddressFromUrl("http://127.0.0.1:8079")).toEqual({
      host: "127.0.0.1",
      port: 8079,
    });
    expect(listenAddressFromUrl("http://[::1]:8082/")).toEqual({ host: "::1", port: 8082 });
    expect(listenAddressFromUrl("http://redis-rest:8079", "0.0.0.0")).toEqual({
      host: "0.0.0.0",
      port: 8079,
    });
    expect(listenAddressFromUrl("http://proxy.internal")).toEqual({
      host: "proxy.internal",
      port: 80,
    });
  });
});

describe("isLoopbackHost", () => {
  it("knows loopback from everything else", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "redis-rest", "128.0.0.1"])
      expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("assertCredentialsFitHost", () => {
  const rule = (host: string, usesDevelopmentCredentials: boolean) => () =>
    assertCredentialsFitHost({
      host,
      credentialVariables: ["TEST_TOKEN"],
      usesDevelopmentCredentials,
    });

  it("allows the development credentials on loopback only", () => {
    expect(rule("127.0.0.1", true)).not.toThrow();
    expect(rule("0.0.0.0", true)).toThrow(/refusing to listen on 0\.0\.0\.0.*set TEST_TOKEN/);
  });

  it("allows credentials of its own anywhere", () => {
    expect(rule("0.0.0.0", false)).not.toThrow();
  });
});
