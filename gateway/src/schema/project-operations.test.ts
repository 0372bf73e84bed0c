import { getIntrospectionQuery } from "graphql";
import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { GRAPHQL_LIMIT_DEFAULTS } from "#shared/defaults.ts";
import { GRAPHIQL_DEFAULT_QUERY } from "../graphiql-examples.ts";
import { PROJECT_DOCUMENTS } from "../project-documents.ts";
import { operationLimitPlugins } from "../protection/operation-limits.ts";
import { schema } from "./index.ts";

// Every operation the project's own clients send (the trusted documents, which the test client
// sends too), GraphiQL's examples and its introspection query. None may trip the limits.
const OPERATIONS: Array<[string, string]> = [
  ...PROJECT_DOCUMENTS.map((document): [string, string] => [
    /^\w+ (\w+)/.exec(document)?.[1] ?? document,
    document,
  ]),
  ["GraphiQL's examples", GRAPHIQL_DEFAULT_QUERY],
  [
    "GraphiQL's introspection",
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  ],
];

describe("the default operation limits", () => {
  const yoga = createYoga({
    schema,
    plugins: operationLimitPlugins(GRAPHQL_LIMIT_DEFAULTS, { hideSuggestions: true }),
  });
  const { parse, validate, schema: enveloped } = yoga.getEnveloped({});

  it.each(OPERATIONS)("let %s through", (_name, operation) => {
    expect(validate(enveloped, parse(operation))).toEqual([]);
  });
});
