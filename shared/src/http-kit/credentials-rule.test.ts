import { describe, expect, it } from "vitest";
import { assertSecretFitsUse, assertSecretLength, MIN_SECRET_BYTES } from "./credentials-rule.ts";

const DEV = "dev-token";
const OWN = "x".repeat(MIN_SECRET_BYTES);

describe("assertSecretLength", () => {
  it("takes a secret of its own of 32 bytes or more, and the development value as it is", () => {
    expect(() =>
      assertSecretLength({ variable: "T", value: OWN, developmentValue: DEV }),
    ).not.toThrow();
    expect(() =>
      assertSecretLength({ variable: "T", value: DEV, developmentValue: DEV }),
    ).not.toThrow();
  });

  it("refuses a shorter one, counting bytes, and names the variable", () => {
    expect(() =>
      assertSecretLength({ variable: "T", value: OWN.slice(1), developmentValue: DEV }),
    ).toThrow(/^T is 31 bytes long, and a secret of its own must be at least 32: set T/);
    // 16 characters of two bytes each: long enough in bytes.
    expect(() => assertSecretLength({ variable: "T", value: "é".repeat(16) })).not.toThrow();
    expect(() => assertSecretLength({ variable: "T", value: "é".repeat(15) })).toThrow(/30 bytes/);
  });
});

describe("assertSecretFitsUse", () => {
  const use = (value: string, where: { listensOn?: string; sendsTo?: string }) => () =>
    assertSecretFitsUse({ variable: "T", value, developmentValue: DEV, ...where });

  it("uses the development value on loopback only, listened on or sent to", () => {
    expect(use(DEV, { listensOn: "127.0.0.1", sendsTo: "localhost" })).not.toThrow();
    expect(use(DEV, { listensOn: "0.0.0.0" })).toThrow(/refusing to listen on 0\.0\.0\.0.*set T/);
    expect(use(DEV, { sendsTo: "control.internal" })).toThrow(
      /refusing to send the development T to control\.internal.*set T/,
    );
  });

  it("uses a secret of its own anywhere, once it is long enough", () => {
    expect(use(OWN, { listensOn: "0.0.0.0", sendsTo: "control.internal" })).not.toThrow();
    expect(use("short", { listensOn: "127.0.0.1" })).toThrow(/T is 5 bytes long/);
  });
});
