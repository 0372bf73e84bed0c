import type { IssuePipeline } from "#shared/issue-pipeline.ts";
import {
  CREATE_COUPON,
  type GraphqlClient,
  ISSUE_COUPON,
  type IssueResult,
} from "./graphql-client.ts";
import { mapWithConcurrency } from "./wait.ts";

export interface DropOptions {
  couponId: string;
  /** Distinct users taking part. */
  users: number;
  /** How many of them press the button twice. */
  twice: number;
  concurrency?: number;
  /** Attempts per press when the answer is a retryable error or no answer at all. Default 4. */
  attempts?: number;
}

export interface DropResult {
  sent: number;
  /** Presses answered IssueAccepted. */
  accepted: number;
  /** Every request id a user was told about (accepted, or named by AlreadyRequested), to its user. */
  known: Map<string, string>;
  answers: Record<string, number>;
  /** Presses that got no definite answer after every attempt. */
  unanswered: number;
  /** Time to a definite answer per answered press (retries included), in milliseconds. */
  latenciesMs: number[];
}

export interface RunningDrop {
  /** Presses answered IssueAccepted so far. */
  acceptedSoFar(): number;
  total: number;
  done: Promise<DropResult>;
}

/** Unique user ids per drop, so drops in one database never share users by accident. */
export function userIdBase(): number {
  return 100_000_000 + Math.floor(Math.random() * 800_000) * 1000;
}

export async function createCoupon(
  gql: GraphqlClient,
  totalQuantity: number,
  pipeline: IssuePipeline = "KAFKA",
): Promise<string> {
  const reply = await gql.request<{ createCoupon: { id: string } }>(CREATE_COUPON, {
    input: { name: `drop of ${totalQuantity}`, totalQuantity, pipeline },
  });
  if (!reply.data?.createCoupon) throw new Error(`createCoupon failed: ${JSON.stringify(reply)}`);
  return reply.data.createCoupon.id;
}

/**
 * A coupon drop as users make it: everyone presses at once, some twice, and a client that gets a
 * retryable error (or loses the connection) presses again, as a real app would.
 */
export function startDrop(
  gql: GraphqlClient,
  { couponId, users, twice, concurrency = 60, attempts = 4 }: DropOptions,
): RunningDrop {
  const base = userIdBase();
  const ids = Array.from({ length: users }, (_, i) => String(base + i));
  const presses = [...ids, ...ids.slice(0, twice)].sort(() => Math.random() - 0.5);
  const known = new Map<string, string>();
  const answers: Record<string, number> = {};
  let unanswered = 0;
  let accepted = 0;

  async function press(userId: string): Promise<IssueResult | null> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const reply = await gql.request<{ issueCoupon: IssueResult }>(
          ISSUE_COUPON,
          { couponId },
          userId,
        );
        if (reply.data?.issueCoupon) return reply.data.issueCoupon;
        const code = reply.errors?.[0]?.extensions?.code;
        if (code !== "TEMPORARILY_UNAVAILABLE") throw new Error(JSON.stringify(reply.errors));
      } catch (error) {
        // A connection cut by a dying process is worth another press; anything else is a bug.
        if (!(error instanceof TypeError) && !String(error).includes("TEMPORARILY_UNAVAILABLE"))
          throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
    return null;
  }

  const latenciesMs: number[] = [];
  const done = mapWithConcurrency(presses, concurrency, async (userId) => {
    const pressedAt = performance.now();
    const result = await press(userId);
    if (result) latenciesMs.push(performance.now() - pressedAt);
    if (!result) {
      unanswered++;
      return;
    }
    answers[result.__typename] = (answers[result.__typename] ?? 0) + 1;
    if (result.__typename === "IssueAccepted") accepted++;
    if (result.requestId) known.set(result.requestId, userId);
  }).then(() => ({ sent: presses.length, accepted, known, answers, unanswered, latenciesMs }));

  return { acceptedSoFar: () => accepted, total: presses.length, done };
}
