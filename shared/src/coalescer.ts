/** What a batch answers for one of its items: its value, or the error of that item alone. */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface CoalescerOptions<I, O> {
  /**
   * Sends one batch and answers for each item, in order. A throw fails every item of the batch with
   * that error; an item's own failure fails only its caller.
   */
  send: (items: I[]) => Promise<ItemOutcome<O>[]>;
  /** Most items in one batch; the rest wait for the next. Default 256. */
  maxBatch?: number;
  /** Batches on their way at once; more items wait and go together in the next. Default 1. */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces calls from concurrent requests into batches, ioredis's auto-pipelining rule: an item
 * goes out at once (after the current microtask, so items of the same tick travel together) when
 * fewer than `maxInFlight` batches are on their way, and otherwise waits for one to return and goes
 * with everything that queued meanwhile. An idle system answers one press with one call, as before;
 * a busy one sends one call for as many presses as arrived during a round trip, so the cost per call
 * (an HTTP request, a proxy's parse, a round trip to Redis or the broker) is shared by all of them.
 */
export function createCoalescer<I, O>({
  send,
  maxBatch = 256,
  maxInFlight = 1,
}: CoalescerOptions<I, O>) {
  let queue: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  function settle(batch: Waiting<I, O>[], outcomes: ItemOutcome<O>[]): void {
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) waiting.reject(new Error("the batch answered fewer items"));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }

  function flush(): void {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      // send() may throw before its first await: the same as a failed batch.
      Promise.resolve()
        .then(() => send(batch.map((waiting) => waiting.item)))
        .then(
          (outcomes) => settle(batch, outcomes),
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          if (queue.length > 0) schedule();
        });
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(flush);
  }

  return {
    /** The item's own answer, once the batch it went in returns. */
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}

export type Coalescer<I, O> = ReturnType<typeof createCoalescer<I, O>>;
