import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { printSortedSchema } from "./index.ts";

describe("schema.graphql", () => {
  it("is the SDL printed from the Pothos schema (run npm run generate)", () => {
    const checkedIn = readFileSync(join(import.meta.dirname, "../../../schema.graphql"), "utf8");
    expect(checkedIn).toBe(printSortedSchema());
  });
});
