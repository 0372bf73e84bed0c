import { getIntrospectionQuery } from "graphql";
import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { GRAPHQL_LIMIT_DEFAULTS } from "#shared/defaults.ts";
import {
  CREATE_COUPON,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  REQUEST_STATUS,
} from "#test-support/graphql-client.ts";
import { GRAPHIQL_DEFAULT_QUERY } from "../graphiql-examples.ts";
import { operationLimitPlugins } from "../protection/operation-limits.ts";
import { schema } from "./index.ts";

// Every operation the project's own clients send: the test client, GraphiQL's examples and its
// introspection, and the dead-letter operations an operator runs. None may trip the limits.
const OPERATIONS: Record<string, string> = {
  CREATE_COUPON,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  REQUEST_STATUS,
  GRAPHIQL_DEFAULT_QUERY,
  introspection: getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }),
  deadLetters: `query DeadLetters($couponId: ID, $limit: Int) {
    deadLetters(couponId: $couponId, limit: $limit) {
      total
      deadLetters { id couponId topic partition offset payload errorClass errorMessage attempts recordedAt replayedAt replayCount }
    }
  }`,
  replayDeadLetter: `mutation Replay($id: ID!) { replayDeadLetter(id: $id) { deadLetterId outcome requestId reason } }`,
  replayDeadLetters: `mutation ReplayAll($couponId: ID!) { replayDeadLetters(couponId: $couponId) { deadLetterId outcome requestId reason } }`,
};

describe("the default operation limits", () => {
  const yoga = createYoga({
    schema,
    plugins: operationLimitPlugins(GRAPHQL_LIMIT_DEFAULTS, { hideSuggestions: true }),
  });
  const { parse, validate, schema: enveloped } = yoga.getEnveloped({});

  it.each(Object.entries(OPERATIONS))("let %s through", (_name, operation) => {
    expect(validate(enveloped, parse(operation))).toEqual([]);
  });
});
