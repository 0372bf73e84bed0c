import { type Origin, TRANSITIONS, type Transition } from "./transitions.ts";

const node = (state: Origin) => (state === "NEW" ? "[*]" : state);

/** The label of a transition in the diagram: step, reasons, the FAILED reasons it leaves, actors. */
export function transitionLabel(t: Transition): string {
  const parts: string[] = [t.step];
  if (t.reasons) parts.push(t.reasons.join(" or "));
  if (t.fromReasons) parts.push(`from ${t.fromReasons.join(" or ")}`);
  return `${parts.join(" ")} (${t.by.join(", ")})`;
}

/** One Mermaid edge per transition, `FROM --> TO : label`, in table order. */
export function stateDiagramEdges(transitions: readonly Transition[] = TRANSITIONS): string[] {
  return transitions.map((t) => `${node(t.from)} --> ${t.to} : ${transitionLabel(t)}`);
}

/** The lifecycle as a Mermaid state diagram, as docs/architecture.md shows it. */
export function renderStateDiagram(transitions: readonly Transition[] = TRANSITIONS): string {
  return ["stateDiagram-v2", ...stateDiagramEdges(transitions).map((e) => `    ${e}`)].join("\n");
}
