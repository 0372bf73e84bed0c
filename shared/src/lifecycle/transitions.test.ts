import { describe, expect, it } from "vitest";
import { FAILURE_REASONS } from "./failure-reason.ts";
import {
  findTransition,
  isRefused,
  mayMove,
  REFUSALS,
  STATES,
  stateOf,
  TRANSITIONS,
} from "./transitions.ts";

describe("lifecycle transitions", () => {
  it("only the gateway admits, only an issue worker claims", () => {
    const admit = { from: "NEW", step: "admit", to: "PENDING" } as const;
    expect(mayMove("gateway", admit)).toBe(true);
    expect(mayMove("issue-worker", admit)).toBe(false);
    const claim = { from: "PENDING", step: "claim", to: "CLAIMED" } as const;
    expect(mayMove("issue-worker", claim)).toBe(true);
    expect(mayMove("gateway", claim)).toBe(false);
    expect(mayMove("reconciler", claim)).toBe(false);
  });

  it("the gateway and the reconciler withdraw a PENDING request as NOT_RECORDED, never a claimed one", () => {
    const withdraw = { step: "withdraw", to: "FAILED", reason: "NOT_RECORDED" } as const;
    for (const actor of ["gateway", "reconciler"] as const) {
      expect(mayMove(actor, { ...withdraw, from: "PENDING" })).toBe(true);
      expect(mayMove(actor, { ...withdraw, from: "CLAIMED" })).toBe(false);
    }
    expect(mayMove("gateway", { ...withdraw, from: "PENDING", reason: "SOLD_OUT" })).toBe(false);
    expect(isRefused("CLAIMED", "withdraw")).toBe(true);
    expect(isRefused("PENDING", "withdraw")).toBe(false);
  });

  it("a claimed request is settled by a worker or the reconciler, with PostgreSQL's reasons only", () => {
    for (const actor of ["issue-worker", "reconciler"] as const) {
      expect(mayMove(actor, { from: "CLAIMED", step: "settle", to: "ISSUED" })).toBe(true);
      expect(
        mayMove(actor, { from: "CLAIMED", step: "settle", to: "FAILED", reason: "SOLD_OUT" }),
      ).toBe(true);
    }
    expect(
      findTransition({ from: "CLAIMED", step: "settle", to: "FAILED", reason: "DEAD_LETTERED" }),
    ).toBeUndefined();
    expect(mayMove("gateway", { from: "CLAIMED", step: "settle", to: "ISSUED" })).toBe(false);
  });

  it("only a dead-lettered FAILED request may still become ISSUED (after a replay)", () => {
    const replayed = { from: "FAILED", step: "settle", to: "ISSUED" } as const;
    expect(mayMove("issue-worker", { ...replayed, fromReason: "DEAD_LETTERED" })).toBe(true);
    for (const reason of FAILURE_REASONS.filter((r) => r !== "DEAD_LETTERED"))
      expect(findTransition({ ...replayed, fromReason: reason })).toBeUndefined();
    expect(findTransition({ from: "ISSUED", step: "settle", to: "FAILED" })).toBeUndefined();
  });

  it("a claim of a withdrawn request is refused, a claim of a dead-lettered one is not", () => {
    expect(isRefused("FAILED", "claim", "NOT_RECORDED")).toBe(true);
    expect(isRefused("FAILED", "claim", "DEAD_LETTERED")).toBe(false);
  });

  it("no move is both allowed and refused, and every FAILED target names its reasons", () => {
    for (const t of TRANSITIONS) {
      if (t.to === "FAILED") expect(t.reasons?.length).toBeGreaterThan(0);
      if (t.from !== "NEW")
        for (const reason of t.fromReasons ?? [undefined])
          expect(isRefused(t.from, t.step, reason)).toBe(false);
    }
    for (const r of REFUSALS) expect(STATES).toContain(r.from);
  });

  it("a PENDING record a consumer claimed is CLAIMED; the API still shows it PENDING", () => {
    expect(stateOf({ status: "PENDING" })).toBe("PENDING");
    expect(stateOf({ status: "PENDING", claimed: true })).toBe("CLAIMED");
    expect(stateOf({ status: "ISSUED", claimed: true })).toBe("ISSUED");
    expect(stateOf({ status: "FAILED" })).toBe("FAILED");
  });
});
