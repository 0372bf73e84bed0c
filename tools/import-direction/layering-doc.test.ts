import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERING } from "./import-direction.ts";

const ARCHITECTURE_DOC = join(import.meta.dirname, "..", "..", "docs", "architecture.md");

/** The second cell of the doc's table row for a scope: its layers, bottom first. */
function documentedLayers(markdown: string, scope: string): string | undefined {
  const row = markdown.split("\n").find((line) => line.startsWith(`| \`${scope}\``));
  return row?.split("|")[2]?.trim();
}

describe("the sub-layers in docs/architecture.md", () => {
  it("are the ones the import-direction check enforces", () => {
    const markdown = readFileSync(ARCHITECTURE_DOC, "utf8");
    for (const { scope, layers } of LAYERING.filter((s) => s.scope !== "")) {
      const expected = layers
        .map((parts) => parts.map((part) => `\`${part}\``).join(", "))
        .join(" → ");
      expect(documentedLayers(markdown, scope), scope).toBe(expected);
    }
  });
});
