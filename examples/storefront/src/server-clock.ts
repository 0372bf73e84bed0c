/** The gateway's clock as the page estimates it: the visitor's clock plus a measured offset. */
export interface ServerClock {
  /** The server's time now, in epoch milliseconds. */
  now(): number;
  /** Measures the offset again (a few round trips; the fastest one wins). */
  sync(): Promise<void>;
  /** Server minus local, in milliseconds; 0 until the first sync. */
  readonly offsetMs: number;
}

export interface ServerClockOptions {
  /** One reading of the server's clock (Query.serverTime), as an ISO-8601 string. */
  readServerTime: () => Promise<string>;
  /** Round trips per sync. Default 3. */
  samples?: number;
  /** Default `Date.now`. */
  localNow?: () => number;
}

/**
 * NTP's idea in small: the server read its clock somewhere within the round trip, so the reading
 * plus half the round trip is the server's time when the answer arrived, off by at most half the
 * round trip. The sample with the shortest round trip has the smallest error.
 */
export function createServerClock({
  readServerTime,
  samples = 3,
  localNow = () => Date.now(),
}: ServerClockOptions): ServerClock {
  let offsetMs = 0;
  return {
    now: () => localNow() + offsetMs,
    get offsetMs() {
      return offsetMs;
    },
    async sync() {
      let best: { roundTrip: number; offset: number } | undefined;
      for (let i = 0; i < samples; i++) {
        const sent = localNow();
        const server = Date.parse(await readServerTime());
        const received = localNow();
        if (Number.isNaN(server)) throw new Error("serverTime is not a date-time");
        const roundTrip = received - sent;
        const offset = server + roundTrip / 2 - received;
        if (!best || roundTrip < best.roundTrip) best = { roundTrip, offset };
      }
      if (best) offsetMs = best.offset;
    },
  };
}
