import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import {
  createEventSigner,
  EVENT_SIGNATURE_HEADER,
  type SignedRecord,
} from "#shared/issue-event-signature.ts";

/**
 * The headers that make a record written straight to the issue topic (kafkajs, not the gateway)
 * one the workers take: its signature by `signingKey` (a system's `EVENT_SIGNING_KEY`; the
 * development key unless told). A test signs what must get past the signature check, a poison
 * record whose poison is elsewhere included, and leaves unsigned what must be refused as forged.
 */
export function signedHeaders(
  record: SignedRecord & { key: string; value: string },
  signingKey: string = LOCAL_DEFAULTS.EVENT_SIGNING_KEY,
): Record<string, string> {
  return { [EVENT_SIGNATURE_HEADER]: createEventSigner(signingKey).sign(record) };
}
