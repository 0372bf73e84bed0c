import { describe, expect, it } from "vitest";
import { createBasicCheck, createBearerCheck } from "./authorization.ts";

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

describe("createBearerCheck", () => {
  const hasBearerToken = (header: string | undefined, token: string) =>
    createBearerCheck(token)(header);

  it("accepts exactly the configured token", () => {
    expect(hasBearerToken("Bearer s3cret", "s3cret")).toBe(true);
    expect(hasBearerToken("bearer s3cret", "s3cret")).toBe(true);
  });

  it("refuses a missing, empty, different, longer or shorter token", () => {
    for (const header of [undefined, "", "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3cret!"]) {
      expect(hasBearerToken(header, "s3cret")).toBe(false);
    }
    expect(hasBearerToken(basic("s3cret:s3cret"), "s3cret")).toBe(false);
  });
});

describe("createBasicCheck", () => {
  const hasBasicCredentials = (header: string | undefined, user: string, password: string) =>
    createBasicCheck(user, password)(header);

  it("accepts the configured user and password, a colon in the password included", () => {
    expect(hasBasicCredentials(basic("dev:pa:ss"), "dev", "pa:ss")).toBe(true);
  });

  it("refuses a wrong user, a wrong password, no colon or another scheme", () => {
    expect(hasBasicCredentials(basic("other:pass"), "dev", "pass")).toBe(false);
    expect(hasBasicCredentials(basic("dev:wrong"), "dev", "pass")).toBe(false);
    expect(hasBasicCredentials(basic("devpass"), "dev", "pass")).toBe(false);
    expect(hasBasicCredentials("Bearer pass", "dev", "pass")).toBe(false);
    expect(hasBasicCredentials(undefined, "dev", "pass")).toBe(false);
  });
});
