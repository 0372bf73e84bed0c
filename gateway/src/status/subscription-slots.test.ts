import { describe, expect, it } from "vitest";
import {
  createSubscriptionSlots,
  holdingSlot,
  type SubscriptionSlot,
} from "./subscription-slots.ts";

async function* stream(values: number[], log: string[] = []) {
  log.push("stream opened");
  try {
    for (const value of values) yield value;
  } finally {
    log.push("stream ended");
  }
}

/** A claim on `slots` for caller "a" that throws its refusal, as the schema's does. */
const claimOn = (slots: ReturnType<typeof createSubscriptionSlots>) => () => {
  const slot = slots.claim("a");
  if (typeof slot === "string") throw new Error(`refused: ${slot}`);
  return slot;
};

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
  it("claims nothing and opens nothing until the stream is read", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const log: string[] = [];
    const held = holdingSlot(claimOn(slots), () => stream([1], log));
    expect(slots.open).toBe(0);
    expect(log).toEqual([]);
    // A stream the server never reads (Yoga's 406 to a client that takes no event stream) and
    // drops: no slot was ever held.
    await held.return?.();
    expect(slots.open).toBe(0);
    expect(log).toEqual([]);
  });

  it("holds the slot while read and releases it when the stream runs to its end", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const seen: number[] = [];
    for await (const value of holdingSlot(claimOn(slots), () => stream([1, 2]))) {
      expect(slots.open).toBe(1);
      seen.push(value);
    }
    expect(seen).toEqual([1, 2]);
    expect(slots.open).toBe(0);
  });

  it("fails the first read with the refusal, opening nothing", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const first = holdingSlot(claimOn(slots), () => stream([1, 2]));
    await first.next();
    const log: string[] = [];
    const second = holdingSlot(claimOn(slots), () => stream([1], log));
    await expect(second.next()).rejects.toThrow("refused: caller");
    expect(log).toEqual([]);
    expect(slots.open).toBe(1);
  });

  it("releases when the stream fails", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    async function* failing() {
      yield 1;
      throw new Error("redis went away");
    }
    const held = holdingSlot(claimOn(slots), failing);
    await expect(async () => {
      for await (const _ of held);
    }).rejects.toThrow("redis went away");
    expect(slots.open).toBe(0);
  });

  it("releases when the server ends it, and ends the stream", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const log: string[] = [];
    const held = holdingSlot(claimOn(slots), () => stream([1, 2, 3], log));
    await held.next();
    await held.return?.();
    expect(log).toEqual(["stream opened", "stream ended"]);
    expect(slots.open).toBe(0);
  });

  it("releases when the client leaves, and reads nothing more", async () => {
    const slots = createSubscriptionSlots({ perCaller: 1, total: 1 });
    const client = new AbortController();
    const held = holdingSlot(claimOn(slots), () => stream([1, 2]), client.signal);
    await held.next();
    expect(slots.open).toBe(1);
    client.abort();
    expect(slots.open).toBe(0);
    expect(await held.next()).toEqual({ done: true, value: undefined });
  });
});
