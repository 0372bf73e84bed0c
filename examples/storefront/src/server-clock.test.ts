import { describe, expect, it } from "vitest";
import { createServerClock } from "./server-clock.ts";

describe("the server's clock as the page estimates it", () => {
  it("takes the offset from the fastest round trip, half of it added to the reading", async () => {
    // The server runs 10 s ahead; the round trips take 300, 40 and 200 ms.
    let local = 0;
    const trips = [300, 40, 200];
    const clock = createServerClock({
      localNow: () => local,
      readServerTime: async () => {
        const trip = trips.shift() ?? 0;
        local += trip / 2;
        const reading = new Date(local + 10_000).toISOString();
        local += trip / 2;
        return reading;
      },
    });
    expect(clock.offsetMs).toBe(0);
    await clock.sync();
    expect(clock.offsetMs).toBe(10_000);
    expect(clock.now()).toBe(local + 10_000);
  });

  it("refuses a reading that is no date", async () => {
    const clock = createServerClock({ readServerTime: async () => "soon" });
    await expect(clock.sync()).rejects.toThrow(/not a date-time/);
  });
});
