import { preset } from "@graphql-codegen/client-preset";
import { codegen } from "@graphql-codegen/core";
import { parse, printSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { documentId } from "./protection/trusted-documents.ts";
import { schema } from "./schema/index.ts";
import { parseTrustedDocumentManifest } from "./trusted-document-manifest.ts";

const GRAB = `mutation Grab($couponId: ID!) {
  issueCoupon(couponId: $couponId) { __typename ... on SoldOut { couponId } }
}`;

/** persisted-documents.json as GraphQL Code Generator's client preset writes it, run for real. */
async function codegenPersistedDocuments(document: string, persistedDocuments: unknown) {
  const sections = await preset.buildGeneratesSection({
    baseOutputDir: "gql/",
    schema: parse(printSchema(schema)),
    schemaAst: schema,
    documents: [{ document: parse(document), location: "grab.ts", rawSDL: document }],
    config: {},
    presetConfig: { persistedDocuments },
    plugins: [],
    pluginMap: {},
  } as never);
  let written = "";
  for (const section of sections) {
    const output = await codegen(section as never);
    if (section.filename.endsWith("persisted-documents.json")) written = output;
  }
  return written;
}

describe("parseTrustedDocumentManifest", () => {
  it("reads Apollo's persisted-query manifest: each body by its id", async () => {
    const id = await documentId(GRAB);
    const manifest = JSON.stringify({
      format: "apollo-persisted-query-manifest",
      version: 1,
      operations: [{ id, name: "Grab", type: "mutation", body: GRAB }],
    });
    expect(parseTrustedDocumentManifest(manifest, "m.json")).toEqual(new Map([[id, GRAB]]));
  });

  it("reads the client preset's persisted documents under the ids it computed, sha256: and sha1 alike", async () => {
    const byDefault = await codegenPersistedDocuments(GRAB, true);
    const [[id, text]] = Object.entries(JSON.parse(byDefault)) as [[string, string]];
    expect(id).toBe(`sha256:${await documentId(text)}`);
    const parsed = parseTrustedDocumentManifest(byDefault, "persisted-documents.json");
    expect(parsed.get(id)).toBe(text);
    // The bare hex too: what Apollo's link computes for the same text.
    expect(parsed.get(id.slice("sha256:".length))).toBe(text);

    const sha1 = await codegenPersistedDocuments(GRAB, { hashAlgorithm: "sha1" });
    const [sha1Id = ""] = Object.keys(JSON.parse(sha1));
    expect(sha1Id).toMatch(/^[0-9a-f]{40}$/);
    expect(parseTrustedDocumentManifest(sha1, "persisted-documents.json").get(sha1Id)).toBe(text);
  });

  it("refuses what is no manifest, naming the source and what is wrong", () => {
    const refused: Array<[string, RegExp]> = [
      ["not json", /m.json is not JSON/],
      ['{"format":"apollo-persisted-query-manifest","version":1}', /operations/],
      [
        '{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"x","name":"A","type":"query"}]}',
        /operations\.0\.body/,
      ],
      ['{"abc": 5}', /neither an Apollo persisted-query manifest.*abc/],
      ["[]", /neither/],
      ["{}", /lists no documents/],
      [
        '{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"x","name":"A","type":"query","body":"{a}"},{"id":"x","name":"B","type":"query","body":"{b}"}]}',
        /two different documents under the id x/,
      ],
    ];
    for (const [text, message] of refused)
      expect(() => parseTrustedDocumentManifest(text, "m.json"), text).toThrow(message);
  });
});
