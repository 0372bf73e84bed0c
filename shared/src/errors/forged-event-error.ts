import { PermanentError } from "./permanent-error.ts";

/**
 * An issue event without a valid signature (shared/src/issue-event-signature.ts): unsigned, signed
 * with a key no verifier holds, or changed after signing. Nobody who may admit requests wrote it, so
 * a worker dead-letters it at once: no retries (the same bytes never verify), nothing persisted,
 * claimed or settled, since a forger may name another user's real request.
 */
export class ForgedEventError extends PermanentError {}
