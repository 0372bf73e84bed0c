import { describe, expect, it } from "vitest";
import { dropPhase, formatCountdown } from "./drop-window.ts";

const at = (iso: string) => Date.parse(iso);

describe("a drop's window on the server's clock", () => {
  const window = { startsAt: "2026-12-01T12:00:00Z", endsAt: "2026-12-01T13:00:00Z" };

  it("before, open, after", () => {
    expect(dropPhase(window, at("2026-12-01T11:59:58.500Z"))).toEqual({
      phase: "BEFORE",
      startsInMs: 1_500,
    });
    expect(dropPhase(window, at("2026-12-01T12:00:00Z"))).toEqual({
      phase: "OPEN",
      endsInMs: 3_600_000,
    });
    expect(dropPhase(window, at("2026-12-01T13:00:00Z"))).toEqual({ phase: "AFTER" });
    expect(dropPhase({ startsAt: null, endsAt: null }, 0)).toEqual({
      phase: "OPEN",
      endsInMs: null,
    });
  });

  it("counts down in whole seconds, rounded up", () => {
    expect(formatCountdown(1_500)).toBe("00:02");
    expect(formatCountdown(93_000)).toBe("01:33");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
    expect(formatCountdown(0)).toBe("00:00");
  });
});
