export interface SubscriptionSlotsOptions {
  /** Slots one caller may hold at once. */
  perCaller: number;
  /** Slots held at once in all. */
  total: number;
}

/** Why a slot was refused: the caller holds its share, or the gateway is full. */
export type SlotRefusal = "caller" | "total";

export interface SubscriptionSlot {
  /** Gives the slot back; safe to call more than once. */
  release(): void;
}

/**
 * Counts the requestStatus subscriptions open in this gateway process, per caller and in all: each
 * holds an SSE stream to the client and one to Redis, so without a cap anyone could open thousands.
 * In memory, per process: a crashed process takes its counts with it, and a deployment of several
 * gateways allows each its own.
 */
export function createSubscriptionSlots({ perCaller, total }: SubscriptionSlotsOptions) {
  const held = new Map<string, number>();
  let open = 0;

  function claim(caller: string): SubscriptionSlot | SlotRefusal {
    const mine = held.get(caller) ?? 0;
    if (mine >= perCaller) return "caller";
    if (open >= total) return "total";
    held.set(caller, mine + 1);
    open++;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        open--;
        const left = (held.get(caller) ?? 1) - 1;
        if (left === 0) held.delete(caller);
        else held.set(caller, left);
      },
    };
  }

  return {
    claim,
    /** Slots held now, in all. */
    get open() {
      return open;
    },
  };
}

export type SubscriptionSlots = ReturnType<typeof createSubscriptionSlots>;

/**
 * The stream, releasing `slot` once it ends whichever way: run to its end, failed, ended by the
 * server (`return`), or never started because the client left first. A generator's `finally` would
 * miss that last case; the client's `signal` covers it.
 */
export function holdingSlot<T>(
  stream: AsyncGenerator<T>,
  slot: SubscriptionSlot,
  signal?: AbortSignal,
): AsyncIterableIterator<T> {
  signal?.addEventListener("abort", () => slot.release(), { once: true });
  const releasing = async <R>(step: Promise<IteratorResult<T, R>>) => {
    try {
      const result = await step;
      if (result.done) slot.release();
      return result;
    } catch (error) {
      slot.release();
      throw error;
    }
  };
  const held: AsyncIterableIterator<T> = {
    next: (...args) => releasing(stream.next(...args)),
    return: (value) => {
      slot.release();
      return stream.return(value);
    },
    throw: (error) => {
      slot.release();
      return stream.throw(error);
    },
    [Symbol.asyncIterator]: () => held,
  };
  return held;
}
