import type { Kafka } from "@upstash/kafka";
import { type CoalescerOptions, createCoalescer } from "#shared/coalescer.ts";
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

type ProduceRequest = Parameters<ReturnType<Kafka["producer"]>["produceMany"]>[0][number];

export interface IssueEventProducerOptions
  extends Pick<CoalescerOptions<ProduceRequest, unknown>, "maxBatch" | "maxInFlight"> {
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
 * topic, key and value: issue-event-signature.ts), within a deadline. The events of concurrent
 * presses travel together: one `/produce` with an array (shared/src/coalescer.ts), which the proxy
 * acknowledges only when the broker has them all, so a failed call fails each of its presses, and
 * each undoes its own admission.
 */
export function createIssueEventProducer({
  kafka,
  signer,
  topic = TOPICS.issueRequests,
  timeoutMs = GATEWAY_DEFAULTS.produceTimeoutMs,
  maxBatch,
  maxInFlight,
}: IssueEventProducerOptions) {
  const producer = kafka.producer();
  const batches = createCoalescer<ProduceRequest, unknown>({
    maxBatch,
    maxInFlight,
    send: async (requests) => {
      const acknowledged = await producer.produceMany(requests);
      return requests.map((_, i) =>
        acknowledged[i] === undefined
          ? { ok: false, error: new ProduceFailedError("the proxy acknowledged fewer messages") }
          : { ok: true, value: acknowledged[i] },
      );
    },
  });
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
        const signature = signer.sign({ topic, key, value });
        await Promise.race([
          batches.submit({
            topic,
            value,
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
