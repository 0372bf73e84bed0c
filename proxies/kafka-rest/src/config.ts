import { z } from "zod";
import { commaList } from "#shared/comma-list.ts";
import { KAFKA_REST_DEFAULTS, LOCAL_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { assertCredentialsFitHost, assertSecretLength } from "#shared/http-kit/credentials-rule.ts";
import { listenAddressFromUrl } from "#shared/http-kit/listen-address.ts";
import { type HttpServerLimits, readHttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { type LogSettings, logEnv, logSettingsOf } from "#shared/logging/logger.ts";

const positiveInt = z.coerce.number().int().positive();
const nonEmptyList = (what: string) =>
  commaList.refine((items) => items.length > 0, `at least one ${what}`);

const envSchema = z.object({
  /** The Kafka bootstrap brokers, comma-separated `host:port`. */
  KAFKA_BROKERS: nonEmptyList("broker").default([LOCAL_DEFAULTS.KAFKA_BROKERS]),
  /** The URL callers use; the proxy listens on its host and port. */
  KAFKA_REST_URL: z.url({ protocol: /^https?$/ }).default(LOCAL_DEFAULTS.KAFKA_REST_URL),
  KAFKA_REST_USERNAME: z.string().min(1).default(LOCAL_DEFAULTS.KAFKA_REST_USERNAME),
  KAFKA_REST_PASSWORD: z.string().min(1).default(LOCAL_DEFAULTS.KAFKA_REST_PASSWORD),
  /** Host to bind when it differs from KAFKA_REST_URL's (e.g. 0.0.0.0 in a container). */
  KAFKA_REST_BIND: z.string().min(1).optional(),
  /**
   * Topics the proxy produces to, comma-separated; others are refused. Only the issue topic by
   * default: the gateway produces nothing else, and a writable dead-letter topic would let whoever
   * holds the password forge dead letters.
   */
  KAFKA_REST_TOPICS: nonEmptyList("topic").default([TOPICS.issueRequests]),
  KAFKA_REST_MAX_BODY_BYTES: positiveInt.default(KAFKA_REST_DEFAULTS.maxBodyBytes),
  /** How long a produce may wait for the broker before the caller hears 503. */
  KAFKA_REST_PRODUCE_TIMEOUT_MS: positiveInt.default(KAFKA_REST_DEFAULTS.produceTimeoutMs),
  ...logEnv,
});

export interface KafkaRestConfig {
  host: string;
  port: number;
  brokers: string[];
  username: string;
  password: string;
  topics: string[];
  maxBodyBytes: number;
  produceTimeoutMs: number;
  httpLimits: HttpServerLimits;
  /** The process's log level and format (shared/src/logging/logger.ts). */
  log: LogSettings;
}

/**
 * The Kafka REST proxy's configuration, read once at start. Refuses the development password on
 * any address but loopback (docs/architecture.md), so a misconfigured deployment fails at start,
 * not in use.
 */
export function readKafkaRestConfig(
  env: Record<string, string | undefined> = process.env,
): KafkaRestConfig {
  const c = parseOrThrow(envSchema, env, "configuration");
  const { host, port } = listenAddressFromUrl(c.KAFKA_REST_URL, c.KAFKA_REST_BIND);
  assertCredentialsFitHost({
    host,
    credentialVariables: ["KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"],
    // The username is no secret; the published password is what makes these the development ones.
    usesDevelopmentCredentials: c.KAFKA_REST_PASSWORD === LOCAL_DEFAULTS.KAFKA_REST_PASSWORD,
  });
  assertSecretLength({
    variable: "KAFKA_REST_PASSWORD",
    value: c.KAFKA_REST_PASSWORD,
    developmentValue: LOCAL_DEFAULTS.KAFKA_REST_PASSWORD,
  });
  return {
    log: logSettingsOf(c),
    host,
    port,
    brokers: c.KAFKA_BROKERS,
    username: c.KAFKA_REST_USERNAME,
    password: c.KAFKA_REST_PASSWORD,
    topics: c.KAFKA_REST_TOPICS,
    maxBodyBytes: c.KAFKA_REST_MAX_BODY_BYTES,
    produceTimeoutMs: c.KAFKA_REST_PRODUCE_TIMEOUT_MS,
    httpLimits: readHttpServerLimits(env),
  };
}
