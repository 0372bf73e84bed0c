import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import {
  createTrustedDocumentStore,
  documentId,
  type TrustedDocumentsMode,
  trustedDocumentPlugins,
} from "./trusted-documents.ts";

const TRUSTED = `query Hello($name: String!) { hello(name: $name) }`;

function gateway(mode: TrustedDocumentsMode) {
  let runs = 0;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello(name: String!): String!, secret: String! }",
      resolvers: {
        Query: {
          hello: (_: unknown, { name }: { name: string }) => {
            runs++;
            return `hello ${name}`;
          },
          secret: () => {
            runs++;
            return "s3cr3t";
          },
        },
      },
    }),
    plugins: trustedDocumentPlugins({
      mode,
      store: createTrustedDocumentStore({ documents: [TRUSTED] }),
    }),
  });
  async function post(body: Record<string, unknown>) {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await response.json()) as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
  }
  const byId = async (id: string) =>
    post({
      extensions: { persistedQuery: { version: 1, sha256Hash: id } },
      variables: { name: "shop" },
    });
  return { post, byId, runs: () => runs };
}

describe("trustedDocumentPlugins", () => {
  it("knows a document by the SHA-256 of its text", async () => {
    // The FIPS 180-2 test vector.
    expect(await documentId("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(await documentId(TRUSTED)).toMatch(/^[0-9a-f]{64}$/);
    expect(await documentId(TRUSTED)).not.toBe(await documentId(`${TRUSTED} `));
  });

  it("only: runs a trusted document by id and refuses any query text, unrun", async () => {
    const only = gateway("only");
    expect(await only.byId(await documentId(TRUSTED))).toEqual({ data: { hello: "hello shop" } });
    const refused = await only.post({ query: "{ secret }" });
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_ONLY");
    // Sending the trusted text itself is still sending a query.
    expect(
      (await only.post({ query: TRUSTED, variables: { name: "x" } })).errors?.[0]?.extensions?.code,
    ).toBe("PERSISTED_QUERY_ONLY");
    expect((await only.byId(await documentId("{ secret }"))).errors?.[0]?.extensions?.code).toBe(
      "PERSISTED_QUERY_NOT_FOUND",
    );
    expect(only.runs()).toBe(1);
  });

  it("allow: trusted documents by id and any query besides; off: queries as usual", async () => {
    const allow = gateway("allow");
    expect(await allow.byId(await documentId(TRUSTED))).toEqual({ data: { hello: "hello shop" } });
    expect(await allow.post({ query: "{ secret }" })).toEqual({ data: { secret: "s3cr3t" } });
    const off = gateway("off");
    expect(await off.post({ query: "{ secret }" })).toEqual({ data: { secret: "s3cr3t" } });
  });
});
