import { describe, expect, it } from "vitest";
import { createCoalescer, type ItemOutcome } from "./coalescer.ts";

/** A send whose batches are recorded and answered when the test says so. */
function controlledSend<I>() {
  const batches: I[][] = [];
  const pending: Array<{
    resolve: (outcomes: ItemOutcome<I>[]) => void;
    reject: (error: unknown) => void;
  }> = [];
  return {
    batches,
    send: (items: I[]) =>
      new Promise<ItemOutcome<I>[]>((resolve, reject) => {
        batches.push(items);
        pending.push({ resolve, reject });
      }),
    /** Answers the oldest open batch by echoing its items. */
    answerNext() {
      const next = pending.shift();
      const items = batches[batches.length - pending.length - 1] ?? [];
      next?.resolve(items.map((value) => ({ ok: true, value })));
    },
    failNext(error: unknown) {
      pending.shift()?.reject(error);
    },
  };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("createCoalescer", () => {
  it("sends the items of one tick in one batch, and answers each its own", async () => {
    const sender = controlledSend<number>();
    const coalescer = createCoalescer({ send: sender.send });
    const answers = Promise.all([1, 2, 3].map((n) => coalescer.submit(n)));
    await settled();
    expect(sender.batches).toEqual([[1, 2, 3]]);
    sender.answerNext();
    expect(await answers).toEqual([1, 2, 3]);
  });

  it("queues while maxInFlight batches are out, and sends the queue together when one returns", async () => {
    const sender = controlledSend<number>();
    const coalescer = createCoalescer({ send: sender.send, maxInFlight: 1 });
    const first = coalescer.submit(1);
    await settled();
    const later = [2, 3, 4].map((n) => coalescer.submit(n));
    await settled();
    expect(sender.batches).toEqual([[1]]);
    sender.answerNext();
    expect(await first).toBe(1);
    await settled();
    expect(sender.batches).toEqual([[1], [2, 3, 4]]);
    sender.answerNext();
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
  });

  it("keeps up to maxInFlight batches out at once", async () => {
    const sender = controlledSend<number>();
    const coalescer = createCoalescer({ send: sender.send, maxInFlight: 2 });
    void coalescer.submit(1);
    await settled();
    void coalescer.submit(2);
    await settled();
    void coalescer.submit(3);
    await settled();
    expect(sender.batches).toEqual([[1], [2]]);
  });

  it("splits a queue longer than maxBatch", async () => {
    const sender = controlledSend<number>();
    const coalescer = createCoalescer({ send: sender.send, maxBatch: 2, maxInFlight: 3 });
    void Promise.all([1, 2, 3, 4, 5].map((n) => coalescer.submit(n)));
    await settled();
    expect(sender.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("fails only the item whose own outcome failed", async () => {
    const coalescer = createCoalescer<number, number>({
      send: async (items) =>
        items.map((n) =>
          n === 2 ? { ok: false, error: new Error("two") } : { ok: true, value: n },
        ),
    });
    const answers = await Promise.allSettled([1, 2, 3].map((n) => coalescer.submit(n)));
    expect(answers.map((a) => a.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((answers[1] as PromiseRejectedResult).reason).toEqual(new Error("two"));
  });

  it("fails every item of a batch whose send failed, and goes on with the next batch", async () => {
    const sender = controlledSend<number>();
    const coalescer = createCoalescer({ send: sender.send, maxInFlight: 1 });
    const failing = [coalescer.submit(1), coalescer.submit(2)];
    await settled();
    const next = coalescer.submit(3);
    sender.failNext(new Error("proxy down"));
    const answers = await Promise.allSettled(failing);
    expect(answers.map((a) => a.status)).toEqual(["rejected", "rejected"]);
    await settled();
    expect(sender.batches).toEqual([[1, 2], [3]]);
    sender.answerNext();
    expect(await next).toBe(3);
  });

  it("fails the items when send throws before returning a promise", async () => {
    const coalescer = createCoalescer<number, number>({
      send: () => {
        throw new Error("no client");
      },
    });
    await expect(coalescer.submit(1)).rejects.toThrow("no client");
    // and it is not stuck: the next item is sent too
    await expect(coalescer.submit(2)).rejects.toThrow("no client");
  });

  it("rejects an item the batch did not answer", async () => {
    const coalescer = createCoalescer<number, number>({
      send: async () => [{ ok: true, value: 1 }],
    });
    const [first, second] = await Promise.allSettled([coalescer.submit(1), coalescer.submit(2)]);
    expect(first?.status).toBe("fulfilled");
    expect(second?.status).toBe("rejected");
  });
});
