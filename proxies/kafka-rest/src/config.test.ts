import { describe, expect, it } from "vitest";
import { LOCAL_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { readKafkaRestConfig } from "./config.ts";

describe("readKafkaRestConfig", () => {
  it("starts from the pinned local defaults, the issue topic alone allowed", () => {
    expect(readKafkaRestConfig({})).toEqual({
      // Readable lines, at info, unless NODE_ENV=production or LOG_FORMAT says otherwise.
      log: { level: "info", format: "pretty" },
      host: "127.0.0.1",
      port: 8082,
      brokers: [LOCAL_DEFAULTS.KAFKA_BROKERS],
      username: LOCAL_DEFAULTS.KAFKA_REST_USERNAME,
      password: LOCAL_DEFAULTS.KAFKA_REST_PASSWORD,
      topics: [TOPICS.issueRequests],
      maxBodyBytes: 1024 * 1024,
      produceTimeoutMs: 5000,
      httpLimits: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 4096,
        allowedHosts: [],
      },
    });
  });

  it("refuses the development password on a non-loopback address, whatever the username", () => {
    expect(() => readKafkaRestConfig({ KAFKA_REST_URL: "http://10.1.2.3:8082" })).toThrow(
      /refusing to listen on 10\.1\.2\.3.*KAFKA_REST_PASSWORD/,
    );
    expect(() =>
      readKafkaRestConfig({ KAFKA_REST_BIND: "0.0.0.0", KAFKA_REST_USERNAME: "someone" }),
    ).toThrow(/development credentials/);
  });

  it("listens anywhere with a password of its own", () => {
    const config = readKafkaRestConfig({
      KAFKA_REST_BIND: "0.0.0.0",
      KAFKA_REST_PASSWORD: "a-password-of-its-own-32-bytes-long",
    });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      password: "a-password-of-its-own-32-bytes-long",
    });
  });

  it("refuses a password of its own shorter than 32 bytes, and says which", () => {
    expect(() => readKafkaRestConfig({ KAFKA_REST_PASSWORD: "a-password-of-its-own" })).toThrow(
      /KAFKA_REST_PASSWORD is 21 bytes long.*at least 32/,
    );
  });

  it("reads comma-separated brokers and topics", () => {
    const config = readKafkaRestConfig({
      KAFKA_BROKERS: "k1:9092, k2:9092",
      KAFKA_REST_TOPICS: "a,b ,",
    });
    expect(config.brokers).toEqual(["k1:9092", "k2:9092"]);
    expect(config.topics).toEqual(["a", "b"]);
    expect(() => readKafkaRestConfig({ KAFKA_REST_TOPICS: " , " })).toThrow(/KAFKA_REST_TOPICS/);
  });
});
