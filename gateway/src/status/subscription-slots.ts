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
 * A stream that holds a slot only while it is read. The slot is claimed on the first read, so a
 * subscription the server never streams (Yoga answers 406 to a client that accepts no event stream)
 * holds none; a refused claim fails that first read, which Yoga sends the client as the
 * subscription's one error event. The slot is given back once the stream ends whichever way: run to
 * its end, failed, ended by the server (`return`), or the client gone (`signal`).
 *
 * @param claim returns the slot, or throws the refusal the client should see
 * @param open starts the stream, once the slot is held
 */
export function holdingSlot<T>(
  claim: () => SubscriptionSlot,
  open: () => AsyncGenerator<T>,
  signal?: AbortSignal,
): AsyncIterableIterator<T> {
  let slot: SubscriptionSlot | undefined;
  let stream: AsyncGenerator<T> | undefined;
  let ended = false;
  const end = () => {
    ended = true;
    slot?.release();
  };
  signal?.addEventListener("abort", end, { once: true });
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  const held: AsyncIterableIterator<T> = {
    async next() {
      if (ended || signal?.aborted) return done();
      if (!stream) {
        slot = claim();
        stream = open();
      }
      try {
        const result = await stream.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return() {
      end();
      return stream ? stream.return(undefined) : done();
    },
    async throw(error: unknown) {
      end();
      if (stream) return stream.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => held,
  };
  return held;
}
