import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { printSortedSchema } from "../gateway/src/schema/index.ts";
import { isLuaSourcesCurrent } from "../shared/src/redis/generate-lua-sources.ts";

const root = join(import.meta.dirname, "..");

describe("checked-in generated files", () => {
  it("schema.graphql is the SDL printed from the Pothos schema (run npm run generate)", () => {
    expect(readFileSync(join(root, "schema.graphql"), "utf8")).toBe(printSortedSchema());
  });

  it("lua-sources.generated.ts matches the .lua files (run npm run generate)", () => {
    expect(isLuaSourcesCurrent()).toBe(true);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("the gateway runs on any Web-standard runtime", () => {
  it("no file under gateway/ (or the shared code it imports) imports a node: module", () => {
    const offenders = [
      ...sourceFiles(join(root, "gateway")),
      ...sourceFiles(join(root, "shared/src")),
    ]
      .filter((file) => !file.endsWith(".test.ts") && !file.endsWith("generate-lua-sources.ts"))
      .filter((file) =>
        /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["']node:/.test(readFileSync(file, "utf8")),
      )
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
