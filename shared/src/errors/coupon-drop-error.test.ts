import { describe, expect, it } from "vitest";
import { CouponDropError } from "./coupon-drop-error.ts";
import { DependencyUnavailableError } from "./dependency-unavailable-error.ts";
import { messageOf } from "./message-of.ts";
import { PermanentError } from "./permanent-error.ts";
import { RequestNotFoundError } from "./request-not-found-error.ts";

describe("the error hierarchy", () => {
  it("sets retriable in the constructor of the class that knows, and keeps the cause", () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    const away = new DependencyUnavailableError("Redis is unavailable", { cause });
    expect(away).toBeInstanceOf(CouponDropError);
    expect(away).toMatchObject({ name: "DependencyUnavailableError", retriable: true, cause });

    const refused = new PermanentError("Redis refused the script", { cause });
    expect(refused).toBeInstanceOf(CouponDropError);
    expect(refused).toMatchObject({ name: "PermanentError", retriable: false, cause });

    const missing = new RequestNotFoundError("0190c4d2-8f3a-7000-8000-000000000001");
    expect(missing).toMatchObject({ name: "RequestNotFoundError", retriable: false });
  });

  it("is permanent unless told otherwise, and names a subclass after itself", () => {
    class ReloadingError extends CouponDropError {}
    expect(new CouponDropError("x")).toMatchObject({ name: "CouponDropError", retriable: false });
    expect(new ReloadingError("x", { retriable: true })).toMatchObject({
      name: "ReloadingError",
      retriable: true,
    });
    expect("cause" in new CouponDropError("x")).toBe(false);
  });
});

describe("messageOf", () => {
  it("reads an Error's message and any other thrown value as text", () => {
    expect(messageOf(new TypeError("fetch failed"))).toBe("fetch failed");
    expect(messageOf("plain string")).toBe("plain string");
    expect(messageOf(undefined)).toBe("undefined");
  });
});
