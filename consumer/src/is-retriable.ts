import kafkajs from "kafkajs";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";

// kafkajs spreads its error classes into module.exports, where Node's ESM loader cannot name them.
const { KafkaJSError } = kafkajs;

/**
 * Whether the same work may succeed later: the one question the consumer's retry and DLT policy
 * and the internal API's 503-or-500 answer ask. Decided by the error's class, whose constructor set
 * `retriable` where the error entered: ours (`CouponDropError` and its subclasses, raised by the
 * Redis, PostgreSQL and HTTP adapters) and KafkaJS's own (`KafkaJSError`, the model for ours).
 * Anything else is a bug until an adapter says otherwise: permanent.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof CouponDropError || error instanceof KafkaJSError) return error.retriable;
  return false;
}
