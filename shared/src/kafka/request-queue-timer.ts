import { createRequire } from "node:module";

/**
 * kafkajs 2.2.4 (unmaintained) arms its pending-request check with `throttledUntil - Date.now()`
 * even when nothing is pending and nothing is throttled: `throttledUntil` starts at -1, so the delay
 * is about minus the epoch. Node 24 warns about it (TimeoutNegativeWarning) and then runs the timer
 * after 1 ms, which arms the next one: a 1 ms loop per broker connection for the life of the client
 * (tulios/kafkajs#1704, #1751; the proposed fixes were never released). This corrects the method
 * once per process, as the fix proposed there does: with nothing pending and no throttle there is
 * nothing to check later, since a request enqueued later schedules its own check.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as {
  prototype: RequestQueueInternals & { [FIXED]?: true };
};
const FIXED = Symbol.for("coupon-drop.kafkajs-request-queue-timer");

export function fixRequestQueueTimer(): void {
  const proto = RequestQueue.prototype;
  if (proto[FIXED]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    const idle = this.pending.length === 0 && this.throttledUntil <= Date.now();
    if (idle && !this.throttleCheckTimeoutId) return;
    schedule.call(this);
  };
  proto[FIXED] = true;
}
