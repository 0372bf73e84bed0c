import type { Kafka } from "@upstash/kafka";
import { TOPICS } from "#shared/defaults.ts";
import { encodeIssueEvent, type IssueEvent, issueEventKey } from "#shared/issue-event.ts";

export class ProduceFailedError extends Error {
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = "ProduceFailedError";
  }
}

export interface IssueEventProducerOptions {
  kafka: Kafka;
  /** The client retries for ~15 s on its own; nobody waits that long for a button. Default 3000 ms. */
  timeoutMs?: number;
}

/** Produces admitted requests to `coupon-issue-requests`, keyed by coupon, within a deadline. */
export function createIssueEventProducer({ kafka, timeoutMs = 3000 }: IssueEventProducerOptions) {
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
        await Promise.race([
          producer.produce(TOPICS.issueRequests, encodeIssueEvent(event), {
            key: issueEventKey(event.couponId),
          }),
          deadline,
        ]);
      } catch (error) {
        throw error instanceof ProduceFailedError
          ? error
          : new ProduceFailedError((error as Error).message);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type IssueEventProducer = ReturnType<typeof createIssueEventProducer>;
