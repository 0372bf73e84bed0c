import type { Kafka } from "@upstash/kafka";
import { GATEWAY_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { encodeIssueEvent, type IssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { EVENT_SIGNATURE_HEADER, type EventSigner } from "#shared/issue-event-signature.ts";

/**
 * Where a Kafka failure enters the gateway: the produce was refused, failed, or not acknowledged in
 * time, so its outcome is unknown. Retriable: the same event may go through in a moment.
 */
export class ProduceFailedError extends DependencyUnavailableError {}

export interface IssueEventProducerOptions {
  kafka: Kafka;
  /** Signs each event (`EVENT_SIGNING_KEY`): workers dead-letter what is not signed. */
  signer: EventSigner;
  /** Default `coupon-issue-requests`. */
  topic?: string;
  /**
   * The client retries for ~15 s on its own; nobody waits that long for a button. Default
   * `GATEWAY_DEFAULTS.produceTimeoutMs`.
   */
  timeoutMs?: number;
}

/**
 * Produces admitted requests to the issue topic, keyed by coupon, signed (the signature covers
 * topic, key and value: issue-event-signature.ts), within a deadline.
 */
export function createIssueEventProducer({
  kafka,
  signer,
  topic = TOPICS.issueRequests,
  timeoutMs = GATEWAY_DEFAULTS.produceTimeoutMs,
}: IssueEventProducerOptions) {
  const producer = kafka.producer();
  return {
    async produce(event: IssueEvent): Promise<void> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ProduceFailedError(`no acknowledgement within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        const key = issueEventKey(event.couponId);
        const value = encodeIssueEvent(event);
        const signature = await signer.sign({ topic, key, value });
        await Promise.race([
          producer.produce(topic, value, {
            key,
            headers: [{ key: EVENT_SIGNATURE_HEADER, value: signature }],
          }),
          deadline,
        ]);
      } catch (error) {
        throw error instanceof ProduceFailedError
          ? error
          : new ProduceFailedError(`Kafka produce failed: ${messageOf(error)}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type IssueEventProducer = ReturnType<typeof createIssueEventProducer>;
