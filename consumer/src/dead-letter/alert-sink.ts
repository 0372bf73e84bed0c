import { MONITORING_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import { deadLetterClassLabel } from "./dead-letter-classes.ts";

export interface DeadLetterAlert {
  deadLetterId: string;
  topic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  couponId: string | null;
  errorClass: string;
  errorMessage: string;
  attempts: number;
  recordedAt: string;
  /**
   * Set when the DLT record's headers were not what a worker writes (ForgedDeadLetterError): what
   * was wrong. The fields above then hold only what could be read.
   */
  malformed?: string;
}

/**
 * What the webhook receives: the first dead letter of a coupon and error class at once, in full
 * (`event: "dead_letter"`); the ones that follow it within the window as one summary when the window
 * ends (`event: "dead_letters"`, with their count and the first `maxIdsPerSummary` ids).
 */
export type AlertMessage =
  | ({ event: "dead_letter"; droppedAlerts?: number } & DeadLetterAlert)
  | {
      event: "dead_letters";
      couponId: string | null;
      errorClass: string;
      count: number;
      deadLetterIds: string[];
      /** More dead letters than ids listed: the table has them all. */
      idsTruncated: boolean;
      firstRecordedAt: string;
      lastRecordedAt: string;
      droppedAlerts?: number;
    };

export interface AlertSinkOptions {
  /** POSTed a JSON body per alert message when set. */
  webhookUrl: string | null;
  /** Webhook attempts per message before giving up (the table and the log have it regardless). Default 5. */
  attempts?: number;
  baseDelayMs?: number;
  /**
   * How long after a coupon's first dead letter of an error class the ones that follow are held
   * and then sent as one summary (`ALERT_WINDOW_MS`). Default `MONITORING_DEFAULTS.alertWindowMs`.
   */
  windowMs?: number;
  /** Coupon and error class pairs with an open window at once; beyond, they share one. Default 1,000. */
  maxWindows?: number;
  /** Ids listed in one summary. Default 100. */
  maxIdsPerSummary?: number;
  /** Messages waiting for the webhook; beyond, the oldest is dropped (and counted). Default 100. */
  maxQueued?: number;
  /** Where the alert lines go (level warn, `event: "dead_letter"` or `"dead_letters"`). */
  logger?: Logger;
}

export interface AlertSink {
  /** Takes one dead letter's alert; never waits for the webhook, never throws. */
  alert(payload: DeadLetterAlert): void;
  /** Ends every window (their summaries queued) and waits until the queue is sent, or given up. */
  close(): Promise<void>;
}

interface Window {
  couponId: string | null;
  errorClass: string;
  count: number;
  ids: string[];
  firstRecordedAt: string;
  lastRecordedAt: string;
  timer: NodeJS.Timeout;
}

/** The key all pairs beyond `maxWindows` share: a flood of made-up classes opens no more windows. */
const OVERFLOW = "\u0000overflow";

/**
 * Raises alerts for dead letters without letting a flood of them reach the operators as a flood or
 * hold up the DLT monitor: one message per coupon and error class per window (the first at once,
 * the rest as a count), sent by one sender off the monitor's path, from a bounded queue.
 */
export function createAlertSink({
  webhookUrl,
  attempts = 5,
  baseDelayMs = 500,
  windowMs = MONITORING_DEFAULTS.alertWindowMs,
  maxWindows = 1000,
  maxIdsPerSummary = 100,
  maxQueued = 100,
  logger = silentLogger(),
}: AlertSinkOptions): AlertSink {
  const windows = new Map<string, Window>();
  const queue: AlertMessage[] = [];
  let dropped = 0;
  let sending: Promise<void> | null = null;
  let closed = false;

  async function post(message: AlertMessage): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(webhookUrl as string, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(5000),
        });
        // The body is not needed; releasing it frees the connection at once.
        await response.body?.cancel();
        if (response.ok) return;
        logger.warn(
          { event: message.event, attempt, attempts },
          `alert webhook answered ${response.status}`,
        );
      } catch (error) {
        logger.warn(
          { event: message.event, attempt, attempts },
          `alert webhook failed: ${messageOf(error)}`,
        );
      }
      if (attempt < attempts)
        await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
    logger.error(
      { alert: true, event: "alert_not_delivered" },
      "alert webhook gave up on an alert",
    );
  }

  /** One sender at a time, until the queue is empty. */
  function drain(): void {
    sending ??= (async () => {
      for (let message = queue.shift(); message; message = queue.shift()) {
        // The next message out says how many never went, so the operator knows to look at the table.
        if (dropped > 0) message = { ...message, droppedAlerts: dropped };
        dropped = 0;
        await post(message);
      }
      sending = null;
    })();
  }

  function enqueue(message: AlertMessage): void {
    if (!webhookUrl) return;
    if (queue.length >= maxQueued) {
      queue.shift();
      dropped++;
      logger.warn({ droppedAlerts: dropped }, "alert queue full: the oldest alert was dropped");
    }
    queue.push(message);
    drain();
  }

  function endWindow(key: string): void {
    const window = windows.get(key);
    if (!window) return;
    clearTimeout(window.timer);
    windows.delete(key);
    if (window.count === 0) return;
    const summary: AlertMessage = {
      event: "dead_letters",
      couponId: window.couponId,
      errorClass: window.errorClass,
      count: window.count,
      deadLetterIds: window.ids,
      idsTruncated: window.count > window.ids.length,
      firstRecordedAt: window.firstRecordedAt,
      lastRecordedAt: window.lastRecordedAt,
    };
    logger.warn({ alert: true, ...summary }, `${window.count} more dead letters recorded`);
    enqueue(summary);
  }

  return {
    alert(payload) {
      // By the class as a metric labels it: classes a record header made up share one window.
      const errorClass = deadLetterClassLabel(payload.errorClass);
      let key = `${payload.couponId ?? ""}\u0000${errorClass}`;
      if (!windows.has(key) && windows.size >= maxWindows) key = OVERFLOW;
      const open = windows.get(key);
      if (open) {
        open.count++;
        if (open.ids.length < maxIdsPerSummary) open.ids.push(payload.deadLetterId);
        open.lastRecordedAt = payload.recordedAt;
        return;
      }
      logger.warn({ alert: true, event: "dead_letter", ...payload }, "dead letter recorded");
      enqueue({ event: "dead_letter", ...payload });
      if (closed) return;
      windows.set(key, {
        couponId: key === OVERFLOW ? null : payload.couponId,
        errorClass: key === OVERFLOW ? "(many)" : errorClass,
        count: 0,
        ids: [],
        firstRecordedAt: payload.recordedAt,
        lastRecordedAt: payload.recordedAt,
        // Unreferenced: an open window does not keep a stopping process alive (close() ends it).
        timer: setTimeout(() => endWindow(key), windowMs).unref(),
      });
    },
    async close() {
      closed = true;
      for (const key of [...windows.keys()]) endWindow(key);
      await sending;
    },
  };
}
