import { describe, expect, it } from "vitest";
import {
  createSubscriptionSlots,
  holdingSlot,
  type SubscriptionSlot,
} from "./subscription-slots.ts";

async function* stream(values: number[], cleanup: string[]) {
  try {
    for (const value of values) yield value;
  } finally {
    cleanup.push("stream ended");
  }
}

describe("createSubscriptionSlots", () => {
  it("caps each caller and the whole, and gives a slot back once", () => {
    const slots = createSubscriptionSlots({ perCaller: 2, total: 3 });
    const a1 = slots.claim("a") as SubscriptionSlot;
    const a2 = slots.claim("a") as SubscriptionSlot;
    expect(slots.claim("a")).toBe("caller");
    const b1 = slots.claim("b") as SubscriptionSlot;
    expect(slots.claim("c")).toBe("total");
    a1.release();
    a1.release();
    expect(slots.open).toBe(2);
    expect(typeof slots.claim("c")).toBe("object");
    expect(slots.claim("a")).toBe("total");
    a2.release();
    b1.release();
    expect(typeof slots.claim("a")).toBe("object");
  });
});

describe("holdingSlot", () => {
  it("releases when the stream runs to its end", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const cleanup: string[] = [];
    const held = holdingSlot(stream([1, 2], cleanup), slots.claim("a") as SubscriptionSlot);
    const seen: number[] = [];
    for await (const value of held) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(slots.open).toBe(0);
  });

  it("releases when the stream fails", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    async function* failing() {
      yield 1;
      throw new Error("redis went away");
    }
    const held = holdingSlot(failing(), slots.claim("a") as SubscriptionSlot);
    await expect(async () => {
      for await (const _ of held);
    }).rejects.toThrow("redis went away");
    expect(slots.open).toBe(0);
  });

  it("releases when the server ends it, started or not", async () => {
    const slots = createSubscriptionSlots({ perCaller: 2, total: 2 });
    const cleanup: string[] = [];
    const started = holdingSlot(stream([1, 2, 3], cleanup), slots.claim("a") as SubscriptionSlot);
    await started.next();
    await started.return?.();
    expect(cleanup).toEqual(["stream ended"]);
    const neverStarted = holdingSlot(stream([1], []), slots.claim("a") as SubscriptionSlot);
    await neverStarted.return?.();
    expect(slots.open).toBe(0);
  });

  it("releases when the client leaves before the stream was read", () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const client = new AbortController();
    holdingSlot(stream([1], []), slots.claim("a") as SubscriptionSlot, client.signal);
    expect(slots.open).toBe(1);
    client.abort();
    expect(slots.open).toBe(0);
  });
});
