import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { InvalidTokenError } from "./invalid-token-error.ts";
import { createTokenVerifier } from "./verify-token.ts";

const SECRET = "an-hs256-test-secret-of-32-bytes";
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token signed with `secret`, valid for five minutes unless `claims` says otherwise. */
function hs256(claims: Record<string, unknown>, secret: Uint8Array = key): Promise<string> {
  return new SignJWT({ sub: "7", exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .sign(secret);
}

const bySecret = createTokenVerifier({
  secret: SECRET,
  jwksUrl: null,
  issuer: null,
  audience: null,
});

async function refusal(verify: (token: string) => Promise<unknown>, token: string) {
  const error = await verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as InvalidTokenError).message;
}

describe("createTokenVerifier with an HS256 secret", () => {
  it("names the caller by sub, admin when roles contains admin", async () => {
    expect(await bySecret(await hs256({ sub: "42" }))).toEqual({ userId: "42", isAdmin: false });
    expect(await bySecret(await hs256({ sub: "1", roles: ["support", "admin"] }))).toEqual({
      userId: "1",
      isAdmin: true,
    });
    // Only a list of roles counts: a role spelled any other way grants nothing.
    for (const roles of ["admin", { admin: true }, null])
      expect(await bySecret(await hs256({ roles }))).toEqual({ userId: "7", isAdmin: false });
  });

  it("refuses a token signed with another key", async () => {
    const other = new TextEncoder().encode("another-hs256-secret-of-32-bytes");
    expect(await refusal(bySecret, await hs256({ roles: ["admin"] }, other))).toMatch(
      /signature verification failed/,
    );
  });

  it("refuses alg none, and any algorithm but HS256", async () => {
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "7", exp: now() + 300, roles: ["admin"] })}.`;
    expect(await refusal(bySecret, unsigned)).toMatch(/alg/i);
    const hs512 = await new SignJWT({ sub: "7", exp: now() + 300 })
      .setProtectedHeader({ alg: "HS512" })
      .sign(new TextEncoder().encode(SECRET.repeat(2)));
    expect(await refusal(bySecret, hs512)).toMatch(
      /"alg" \(Algorithm\) Header Parameter value not allowed/,
    );
  });

  it("requires a numeric exp, and allows 30 seconds of clock skew, no more", async () => {
    expect(await refusal(bySecret, await hs256({ exp: undefined }))).toMatch(
      /missing required "exp"/,
    );
    expect(await refusal(bySecret, await hs256({ exp: String(now() + 300) }))).toMatch(
      /"exp" claim must be a number/,
    );
    expect(await refusal(bySecret, await hs256({ exp: now() - 45 }))).toMatch(
      /"exp" claim timestamp check failed/,
    );
    expect(await bySecret(await hs256({ exp: now() - 15 }))).toMatchObject({ userId: "7" });
    expect(await refusal(bySecret, await hs256({ nbf: now() + 60 }))).toMatch(/"nbf"/);
    expect(await bySecret(await hs256({ nbf: now() + 15 }))).toMatchObject({ userId: "7" });
  });

  it("refuses a sub that is no positive-integer user id", async () => {
    for (const sub of [undefined, "", "0", "-3", "alice", "12abc"])
      expect(await refusal(bySecret, await hs256({ sub }))).toMatch(/sub|"sub"/);
  });

  it("refuses malformed tokens and signatures, as refusals, never as crashes", async () => {
    const good = await hs256({});
    const [head, body] = good.split(".");
    for (const token of [
      "",
      "not-a-jwt",
      "a.b",
      "a.b.c",
      `${head}.${body}`,
      `${head}.${body}.%%%not-base64%%%`,
      `${head}.${body}.${"A".repeat(43)}`,
      `${head}.${body}.`,
      `${head}.!!!.${good.split(".")[2]}`,
      `${b64url("not an object")}.${body}.${good.split(".")[2]}`,
    ])
      await refusal(bySecret, token);
  });

  it("checks iss and aud when configured", async () => {
    const strict = createTokenVerifier({
      secret: SECRET,
      jwksUrl: null,
      issuer: "https://id.example/",
      audience: ["coupon-drop", "coupon-drop-admin"],
    });
    const right = { iss: "https://id.example/", aud: "coupon-drop" };
    expect(await strict(await hs256(right))).toMatchObject({ userId: "7" });
    expect(
      await strict(await hs256({ ...right, aud: ["other", "coupon-drop-admin"] })),
    ).toMatchObject({ userId: "7" });
    expect(await refusal(strict, await hs256({ ...right, iss: "https://evil.example/" }))).toMatch(
      /"iss"/,
    );
    expect(await refusal(strict, await hs256({ ...right, aud: "another-app" }))).toMatch(/"aud"/);
    expect(await refusal(strict, await hs256({ aud: "coupon-drop" }))).toMatch(/"iss"/);
    expect(await refusal(strict, await hs256({ iss: "https://id.example/" }))).toMatch(/"aud"/);
  });
});

describe("createTokenVerifier with a maximum token age", () => {
  const hourAtMost = createTokenVerifier({
    secret: SECRET,
    jwksUrl: null,
    issuer: null,
    audience: null,
    maxTokenAgeSeconds: 3600,
  });

  it("accepts a token issued within it, and refuses an older one whatever its exp", async () => {
    expect(await hourAtMost(await hs256({ iat: now() - 60 }))).toEqual({
      userId: "7",
      isAdmin: false,
    });
    expect(
      await refusal(hourAtMost, await hs256({ iat: now() - 7200, exp: now() + 86_400 })),
    ).toMatch(/token refused: .*"iat" claim timestamp check failed \(too far in the past\)/);
  });

  it("requires iat, without which a token's age is unknown", async () => {
    expect(await refusal(hourAtMost, await hs256({}))).toMatch(/token refused: .*"iat"/);
    // Without the setting, exp alone decides, as before.
    expect(await bySecret(await hs256({}))).toEqual({ userId: "7", isAdmin: false });
  });
});

describe("createTokenVerifier with a JWKS", () => {
  let server: Server;
  let jwksUrl: string;
  /** What the JWKS endpoint serves; a test changes it to rotate keys or to fail. */
  const served: { status: number; keys: JWK[] } = { status: 200, keys: [] };
  let fetches = 0;
  const rsa = generateKeyPair("RS256");
  const ec = generateKeyPair("ES256");

  async function publicJwk(pair: Promise<CryptoKeyPair>, kid: string, alg: string): Promise<JWK> {
    return { ...(await exportJWK((await pair).publicKey)), kid, alg, use: "sig" };
  }

  async function signed(
    pair: Promise<CryptoKeyPair>,
    header: { alg: string; kid: string },
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    return new SignJWT({ sub: "9", exp: now() + 300, ...claims })
      .setProtectedHeader(header)
      .sign((await pair).privateKey);
  }

  beforeAll(async () => {
    served.keys = [await publicJwk(rsa, "rsa-1", "RS256"), await publicJwk(ec, "ec-1", "ES256")];
    server = createServer((_request, response) => {
      fetches++;
      response.writeHead(served.status, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: served.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const byJwks = () => createTokenVerifier({ secret: null, jwksUrl, issuer: null, audience: null });

  it("accepts RS256 and ES256 tokens signed by a key of the set, fetching it once", async () => {
    const verify = byJwks();
    const before = fetches;
    expect(
      await verify(await signed(rsa, { alg: "RS256", kid: "rsa-1" }, { roles: ["admin"] })),
    ).toEqual({
      userId: "9",
      isAdmin: true,
    });
    expect(await verify(await signed(ec, { alg: "ES256", kid: "ec-1" }))).toEqual({
      userId: "9",
      isAdmin: false,
    });
    expect(fetches - before).toBe(1);
  });

  it("refuses a key not in the set, an HS256 token made with a public key, and alg none", async () => {
    const verify = byJwks();
    const stranger = generateKeyPair("RS256");
    expect(await refusal(verify, await signed(stranger, { alg: "RS256", kid: "rsa-1" }))).toMatch(
      /signature verification failed/,
    );
    const publicAsSecret = new TextEncoder().encode(JSON.stringify(served.keys[0]));
    expect(await refusal(verify, await hs256({}, publicAsSecret))).toMatch(/alg/i);
    const unsigned = `${b64url({ alg: "none", kid: "rsa-1" })}.${b64url({ sub: "9", exp: now() + 300 })}.`;
    expect(await refusal(verify, unsigned)).toMatch(/alg/i);
  });

  it("picks up a rotated key once its cool-down is over, and refetches no sooner", async () => {
    const next = generateKeyPair("RS256");
    const previous = served.keys;
    const verifiers = {
      coolingDown: byJwks(),
      cooledDown: createTokenVerifier({
        secret: null,
        jwksUrl,
        issuer: null,
        audience: null,
        jwksCooldownMs: 0,
      }),
    };
    for (const verify of Object.values(verifiers))
      expect(await verify(await signed(rsa, { alg: "RS256", kid: "rsa-1" }))).toMatchObject({
        userId: "9",
      });
    served.keys = [...previous, await publicJwk(next, "rsa-2", "RS256")];
    try {
      const rotatedToken = await signed(next, { alg: "RS256", kid: "rsa-2" });
      // Fetched just now: a kid it does not hold is refused without asking the provider again.
      const before = fetches;
      expect(await refusal(verifiers.coolingDown, rotatedToken)).toMatch(/no applicable key/);
      expect(fetches).toBe(before);
      // Past the cool-down the set is fetched again and the new key works.
      expect(await verifiers.cooledDown(rotatedToken)).toMatchObject({ userId: "9" });
      expect(fetches).toBe(before + 1);
    } finally {
      served.keys = previous;
    }
  });

  it("says the identity provider is unavailable when the set cannot be fetched", async () => {
    served.status = 503;
    try {
      const error = await byJwks()(await signed(rsa, { alg: "RS256", kid: "rsa-1" })).catch(
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as Error).message).toMatch(
        /JWKS at http:\/\/127\.0\.0\.1:\d+\/jwks\.json unavailable/,
      );
    } finally {
      served.status = 200;
    }
  });
});
