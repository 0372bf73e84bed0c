import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";
import { InternalApiError } from "#shared/internal-api/internal-api-client.ts";
import { IssueNotRecordedError } from "../admission/issue-coupon.ts";
import { badInput, TEMPORARILY_UNAVAILABLE_MESSAGE, temporarilyUnavailable } from "./errors.ts";
import { createErrorMask } from "./mask-error.ts";

// The mask through Yoga's own pipeline, in-process: each field of `probe` throws one kind of error.
const REQUEST_ID = "0190c4d2-8f3a-7000-8000-000000000001";
const throwing = {
  notFound: () => new RequestNotFoundError(REQUEST_ID),
  redisAway: () =>
    new DependencyUnavailableError("Redis is unavailable: connect ECONNREFUSED 10.0.0.7:6379"),
  internalApiAway: () =>
    new InternalApiError("internal API answered 503: SELECT 1 FROM coupon failed", 503),
  notRecorded: () => new IssueNotRecordedError(new Error("Kafka produce failed")),
  permanent: () => new PermanentError("Redis refused the script: ERR syntax error"),
  pipelineDisabled: () => PipelineDisabledError.refusing("KAFKA", ["REDIS_STREAM"]),
  bug: () => new TypeError("Cannot read properties of undefined (reading 'status')"),
  badInput: () => badInput("couponId must be a positive integer", "couponId"),
  codedWithCause: () =>
    temporarilyUnavailable("Try again.", { originalError: new Error("broker 10.0.0.9 down") }),
};
type Probe = keyof typeof throwing;

const logged: Array<{ line: string; error: unknown }> = [];
const mask = createErrorMask({ log: (line, error) => logged.push({ line, error }) });

const yoga = createYoga({
  schema: createSchema({
    typeDefs: `type Query { probe: Probe! }
      type Probe { ${Object.keys(throwing)
        .map((field) => `${field}: String`)
        .join(" ")} }`,
    resolvers: {
      Query: { probe: () => ({}) },
      Probe: Object.fromEntries(
        Object.entries(throwing).map(([field, error]) => [
          field,
          () => {
            throw error();
          },
        ]),
      ),
    },
  }),
  maskedErrors: { maskError: mask.maskError },
  logging: false,
});

async function errorOf(field: Probe) {
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `query {\n  probe {\n    ${field}\n  }\n}` }),
  });
  const body = (await response.json()) as { errors: Array<Record<string, unknown>> };
  expect(body.errors).toHaveLength(1);
  return body.errors[0];
}

const at = (field: Probe) => ({ path: ["probe", field], locations: [{ line: 3, column: 5 }] });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const correlationId = expect.stringMatching(UUID);

const correlationIdOf = (error: Record<string, unknown> | undefined) =>
  (error?.extensions as { correlationId?: string } | undefined)?.correlationId;

/** The log line the mask wrote for the error the client saw with `id`. */
function loggedFor(id: unknown): { line: string; error: unknown } {
  const lines = logged.filter(({ line }) => typeof id === "string" && line.includes(id));
  expect(lines).toHaveLength(1);
  return lines[0] as { line: string; error: unknown };
}

describe("maskError", () => {
  it("turns a request that does not exist into NOT_FOUND, at the field that asked", async () => {
    expect(await errorOf("notFound")).toEqual({
      message: `No issue request with id ${REQUEST_ID}.`,
      ...at("notFound"),
      extensions: { code: "NOT_FOUND" },
    });
  });

  it("turns a coupon on a pipeline that does not run into PIPELINE_DISABLED, with its message", async () => {
    expect(await errorOf("pipelineDisabled")).toEqual({
      message:
        "The KAFKA pipeline does not run in this deployment (ISSUE_PIPELINES=REDIS_STREAM): " +
        "create the coupon with pipeline REDIS_STREAM.",
      ...at("pipelineDisabled"),
      extensions: { code: "PIPELINE_DISABLED" },
    });
  });

  it("turns a dependency that is away into TEMPORARILY_UNAVAILABLE with a fixed message", async () => {
    for (const field of ["redisAway", "internalApiAway"] as const) {
      expect(await errorOf(field)).toEqual({
        message: TEMPORARILY_UNAVAILABLE_MESSAGE,
        ...at(field),
        extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true, correlationId },
      });
    }
  });

  it("keeps SQL text and host names of a retriable error for the log, under a correlation id", async () => {
    for (const [field, detail] of [
      ["redisAway", "10.0.0.7:6379"],
      ["internalApiAway", "SELECT 1 FROM coupon failed"],
    ] as const) {
      const error = await errorOf(field);
      expect(JSON.stringify(error)).not.toContain(detail);
      const id = correlationIdOf(error);
      const { line, error: original } = loggedFor(id);
      expect(line).toBe(
        `TEMPORARILY_UNAVAILABLE ${id} at probe.${field}: ${(original as Error).message}`,
      );
      expect(line).toContain(detail);
    }
  });

  it("keeps the message of a retriable error written for the caller", async () => {
    expect(await errorOf("notRecorded")).toEqual({
      message:
        "Your request could not be recorded right now and was not counted; please try again.",
      ...at("notRecorded"),
      extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true, correlationId },
    });
  });

  it("masks the unexpected, permanent errors and bugs alike, and still says where", async () => {
    for (const field of ["permanent", "bug"] as const) {
      const error = await errorOf(field);
      expect(error).toEqual({
        message: "Unexpected error.",
        ...at(field),
        extensions: { code: "INTERNAL_SERVER_ERROR", correlationId },
      });
      const id = correlationIdOf(error);
      expect(loggedFor(id).line).toMatch(
        field === "permanent" ? /ERR syntax error$/ : /reading 'status'\)$/,
      );
    }
  });

  it("passes a coded error thrown on purpose as it is, even one that keeps a cause", async () => {
    expect(await errorOf("badInput")).toEqual({
      message: "couponId must be a positive integer",
      ...at("badInput"),
      extensions: { code: "BAD_USER_INPUT", field: "couponId" },
    });
    expect(await errorOf("codedWithCause")).toEqual({
      message: "Try again.",
      ...at("codedWithCause"),
      extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true },
    });
  });
});
