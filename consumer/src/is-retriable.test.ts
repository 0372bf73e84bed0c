import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";
import { InternalApiError } from "#shared/internal-api/internal-api-client.ts";
import { DatabaseError } from "./db/db-errors.ts";
import { isRetriable } from "./is-retriable.ts";

const {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
} = kafkajs;

describe("isRetriable", () => {
  it("takes the verdict of the project's error classes, set by their constructors", () => {
    expect(isRetriable(new DependencyUnavailableError("Redis is unavailable"))).toBe(true);
    expect(isRetriable(new PermanentError("Redis refused the script"))).toBe(false);
    expect(isRetriable(new DatabaseError("deadlock", { retriable: true, code: "40P01" }))).toBe(
      true,
    );
    expect(isRetriable(new DatabaseError("check", { retriable: false, code: "23514" }))).toBe(
      false,
    );
    expect(isRetriable(new InternalApiError("internal API answered 503", 503))).toBe(true);
    expect(isRetriable(new InternalApiError("no such coupon", 400))).toBe(false);
    expect(isRetriable(new RequestNotFoundError("0190c4d2-0000-7000-8000-000000000000"))).toBe(
      false,
    );
  });

  it("takes KafkaJS's own verdict from its error classes", () => {
    expect(isRetriable(new KafkaJSConnectionError("Connection error: ECONNREFUSED"))).toBe(true);
    expect(isRetriable(new KafkaJSError("broker blinked", { retriable: true }))).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError("message too large"))).toBe(false);
    expect(
      isRetriable(
        new KafkaJSNumberOfRetriesExceeded(new Error("x"), { retryCount: 5, retryTime: 100 }),
      ),
    ).toBe(false);
  });

  it("trusts no flag patched onto someone else's error, and no message", () => {
    expect(isRetriable(Object.assign(new Error("x"), { retriable: true }))).toBe(false);
    expect(isRetriable({ retriable: true })).toBe(false);
    expect(isRetriable(new Error("connection terminated"))).toBe(false);
    expect(isRetriable(null)).toBe(false);
  });
});
