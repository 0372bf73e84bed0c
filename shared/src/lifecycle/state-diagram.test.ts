import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderStateDiagram, stateDiagramEdges } from "./state-diagram.ts";
import { TRANSITIONS } from "./transitions.ts";

const ARCHITECTURE_DOC = join(import.meta.dirname, "..", "..", "..", "docs", "architecture.md");

/** The lines of the doc's Mermaid state diagram (the first `stateDiagram-v2` block). */
function documentedDiagram(markdown: string): string[] {
  const block = /```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error("docs/architecture.md has no Mermaid stateDiagram-v2 block");
  return block
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("%%"));
}

describe("the lifecycle diagram in docs/architecture.md", () => {
  it("lists exactly the transitions the module defines, and nothing else", () => {
    const [header, ...lines] = documentedDiagram(readFileSync(ARCHITECTURE_DOC, "utf8"));
    expect(header).toBe("stateDiagram-v2");
    // Paste the output of renderStateDiagram() into the doc when the table changes.
    expect([...lines].sort()).toEqual([...stateDiagramEdges()].sort());
  });

  it("renders one edge per transition, [*] for the origin", () => {
    const rendered = renderStateDiagram().split("\n");
    expect(rendered[0]).toBe("stateDiagram-v2");
    expect(rendered).toHaveLength(TRANSITIONS.length + 1);
    expect(rendered).toContain("    [*] --> PENDING : admit (gateway)");
    expect(rendered).toContain(
      "    PENDING --> FAILED : withdraw NOT_RECORDED (gateway, reconciler)",
    );
  });
});
