import { z } from "zod";
import { describeIssues } from "#shared/describe-issues.ts";

/**
 * Apollo's persisted-query manifest, as `@apollo/generate-persisted-query-manifest` writes it: each
 * operation's id is the SHA-256 of its body, which Apollo's persisted-query link sends.
 */
const apolloManifest = z.object({
  format: z.literal("apollo-persisted-query-manifest"),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      type: z.enum(["query", "mutation", "subscription"]),
      body: z.string().min(1),
    }),
  ),
});

/**
 * GraphQL Code Generator's `persisted-documents.json` (client preset, `persistedDocuments`): each
 * document under the hash its client sends, taken as written. By default (client preset 6) that is
 * `sha256:` and the hex SHA-256 of the printed document, the GraphQL-over-HTTP persisted-document
 * form; `hashAlgorithm: "sha1"` gives bare hex, a function whatever it returns.
 */
const codegenManifest = z.record(z.string().min(1), z.string().min(1));

const SHA256_PREFIXED = /^sha256:([0-9a-f]{64})$/;

/**
 * The documents a manifest trusts, by the id a client sends for each. Throws one line saying what
 * is wrong with the manifest (`source` names it: the file, or the variable that held it).
 */
export function parseTrustedDocumentManifest(text: string, source: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  // The format's marker decides which one it must be, so the refusal names the right fields.
  const isApollo = typeof json === "object" && json !== null && "format" in json;
  let entries: Array<[string, string]>;
  if (isApollo) {
    const parsed = apolloManifest.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `${source} is no Apollo persisted-query manifest ({"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]}): ${describeIssues(parsed.error)}`,
      );
    entries = parsed.data.operations.map((operation) => [operation.id, operation.body]);
  } else {
    const parsed = codegenManifest.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `${source} is neither an Apollo persisted-query manifest (no "format") nor GraphQL Code Generator's persisted documents ({"<hash>":"<document>"}): ${describeIssues(parsed.error)}`,
      );
    entries = Object.entries(parsed.data);
  }
  const byId = new Map<string, string>();
  const add = (id: string, body: string) => {
    const known = byId.get(id);
    if (known !== undefined && known !== body)
      throw new Error(`${source} lists two different documents under the id ${id}`);
    byId.set(id, body);
  };
  for (const [id, body] of entries) {
    add(id, body);
    // A `sha256:<hex>` id is also known by its bare hex, which is what Apollo's persisted-query
    // link sends for the same text.
    const hex = SHA256_PREFIXED.exec(id)?.[1];
    if (hex !== undefined) add(hex, body);
  }
  if (byId.size === 0) throw new Error(`${source} lists no documents`);
  return byId;
}
