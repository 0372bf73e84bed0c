import { describe, expect, it } from "vitest";
import { hostsOfBrokerList, readEventKeys } from "./event-signing-keys.ts";

const OWN = "o".repeat(32);
const NEXT = "n".repeat(32);
const loopback = [{ host: "127.0.0.1", what: "KAFKA_BROKERS" }];
const remote = [...loopback, { host: "kafka-1.internal", what: "KAFKA_BROKERS" }];

describe("event signing keys", () => {
  it("takes the development key while every use is on loopback", () => {
    expect(readEventKeys({ EVENT_SIGNING_KEY: "dev-event-signing-key" }, loopback)).toEqual({
      signingKey: "dev-event-signing-key",
      verificationKeys: ["dev-event-signing-key"],
    });
    expect(() => readEventKeys({ EVENT_SIGNING_KEY: "dev-event-signing-key" }, remote)).toThrow(
      /^refusing the development event signing key with KAFKA_BROKERS on kafka-1\.internal/,
    );
  });

  it("verifies with the signing key first, then the rotation's others, each once", () => {
    expect(
      readEventKeys(
        { EVENT_SIGNING_KEY: OWN, EVENT_VERIFICATION_KEYS: ` ${NEXT}, ${OWN},` },
        remote,
      ),
    ).toEqual({ signingKey: OWN, verificationKeys: [OWN, NEXT] });
  });

  it("refuses a short key of its own, signing or verifying", () => {
    expect(() => readEventKeys({ EVENT_SIGNING_KEY: "k".repeat(31) }, loopback)).toThrow(
      /^EVENT_SIGNING_KEY is 31 bytes long/,
    );
    expect(() =>
      readEventKeys({ EVENT_SIGNING_KEY: OWN, EVENT_VERIFICATION_KEYS: "short" }, loopback),
    ).toThrow(/^EVENT_VERIFICATION_KEYS is 5 bytes long/);
  });

  it("reads the hosts of a broker list", () => {
    expect(hostsOfBrokerList(["127.0.0.1:9092", "kafka.internal:9093", "[::1]:9092"])).toEqual([
      "127.0.0.1",
      "kafka.internal",
      "::1",
    ]);
  });
});
