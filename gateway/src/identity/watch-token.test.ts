import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createWatchTokens } from "./watch-token.ts";

const SECRET = "a-watch-token-secret-of-32-bytes!";
const REQUEST_A = "0190a1b2-0000-7000-8000-00000000000a";
const REQUEST_B = "0190a1b2-0000-7000-8000-00000000000b";

describe("createWatchTokens", () => {
  it("speaks for the request's owner, for that request only", async () => {
    const tokens = createWatchTokens({ secret: SECRET, ttlMs: 60_000 });
    const token = await tokens.issue(REQUEST_A, "42");
    expect(await tokens.verify(token, REQUEST_A)).toEqual({ userId: "42", isAdmin: false });
    expect(await tokens.verify(token, REQUEST_B)).toBeNull();
  });

  it("refuses a token once its time is up", async () => {
    let now = Date.now();
    const tokens = createWatchTokens({ secret: SECRET, ttlMs: 60_000, now: () => now });
    const token = await tokens.issue(REQUEST_A, "42");
    now += 59_000;
    expect(await tokens.verify(token, REQUEST_A)).not.toBeNull();
    now += 2_000;
    expect(await tokens.verify(token, REQUEST_A)).toBeNull();
  });

  it("refuses what another key signed, a token tampered with, and a login token", async () => {
    const tokens = createWatchTokens({ secret: SECRET, ttlMs: 60_000 });
    const other = createWatchTokens({ secret: `${SECRET}-other`, ttlMs: 60_000 });
    expect(await tokens.verify(await other.issue(REQUEST_A, "42"), REQUEST_A)).toBeNull();

    const [header, payload, signature] = (await tokens.issue(REQUEST_A, "42")).split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: "7" })).toString("base64url");
    expect(await tokens.verify(`${header}.${forged}.${signature}`, REQUEST_A)).toBeNull();
    expect(await tokens.verify("not a token", REQUEST_A)).toBeNull();

    // Signed with the same key but not as a watch token (no typ, no audience): refused too.
    const login = await new SignJWT({ rid: REQUEST_A })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("42")
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(SECRET));
    expect(await tokens.verify(login, REQUEST_A)).toBeNull();
  });
});
