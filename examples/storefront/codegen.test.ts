import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config, { GENERATED_DIR } from "./codegen.ts";

// The typed documents are checked in (a fresh clone type-checks, and a reader sees them), so they
// must be exactly what GraphQL Code Generator writes now from schema.graphql and src/documents.ts.
describe("examples/storefront/src/gql/", () => {
  it("is what codegen.ts generates from schema.graphql and the page's documents (run npm run generate)", async () => {
    const outputs = (await generate(config, false)) as Array<{ filename: string; content: string }>;
    const generated = new Map(
      outputs.map(({ filename, content }) => [relative(GENERATED_DIR, filename), content]),
    );
    expect([...generated.keys()].sort()).toEqual(readdirSync(GENERATED_DIR).sort());
    for (const [file, content] of generated)
      expect(readFileSync(join(GENERATED_DIR, file), "utf8"), file).toBe(content);
  }, 60_000);
});
