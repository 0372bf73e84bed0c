import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";

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

export interface AlertSinkOptions {
  /** POSTed a JSON body per dead letter when set. */
  webhookUrl: string | null;
  /** Webhook attempts before giving up (the alert is in the log and the table regardless). Default 5. */
  attempts?: number;
  baseDelayMs?: number;
  /** Where the alert line goes (level warn, `event: "dead_letter"`). */
  logger?: Logger;
}

/** Raises an alert per dead letter: a structured log line always, and a webhook POST when configured. */
export function createAlertSink({
  webhookUrl,
  attempts = 5,
  baseDelayMs = 500,
  logger = silentLogger(),
}: AlertSinkOptions) {
  return async function alert(payload: DeadLetterAlert): Promise<boolean> {
    logger.warn({ alert: true, event: "dead_letter", ...payload }, "dead letter recorded");
    if (!webhookUrl) return true;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ event: "dead_letter", ...payload }),
          signal: AbortSignal.timeout(5000),
        });
        // The body is not needed; releasing it frees the connection at once.
        await response.body?.cancel();
        if (response.ok) return true;
        logger.warn(
          { deadLetterId: payload.deadLetterId, attempt, attempts },
          `alert webhook answered ${response.status}`,
        );
      } catch (error) {
        logger.warn(
          { deadLetterId: payload.deadLetterId, attempt, attempts },
          `alert webhook failed: ${messageOf(error)}`,
        );
      }
      if (attempt < attempts)
        await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
    return false;
  };
}
