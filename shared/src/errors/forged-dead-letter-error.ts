import { PermanentError } from "./permanent-error.ts";

/**
 * A record in the dead-letter topic whose headers are not what a worker writes (missing, of the
 * wrong type, oversized, not UTF-8): whoever wrote it was no worker, or it was damaged. The DLT
 * monitor records what it can of it, marked with this, alerts, and moves on: retrying would fail
 * the same way and hold up every dead letter behind it.
 */
export class ForgedDeadLetterError extends PermanentError {}
