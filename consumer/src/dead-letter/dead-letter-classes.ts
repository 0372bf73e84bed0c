import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { ForgedDeadLetterError } from "#shared/errors/forged-dead-letter-error.ts";
import { ForgedEventError } from "#shared/errors/forged-event-error.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";

/**
 * The error classes a worker dead-letters with: the project's own, the names the batch processor
 * gives what it refuses without an exception, and the runtime's. A dead letter's class is read from
 * a record header, which anyone who can write the topic writes: a metric label takes only these, any
 * other counts as `Other` (the table keeps the class as written), so a flood of made-up classes
 * cannot grow the label set.
 */
export const KNOWN_DEAD_LETTER_CLASSES: ReadonlySet<string> = new Set([
  ForgedEventError.name,
  ForgedDeadLetterError.name,
  PermanentError.name,
  DependencyUnavailableError.name,
  PipelineDisabledError.name,
  RequestNotFoundError.name,
  "InvalidJson",
  "SchemaMismatch",
  "CouponNotFound",
  "Error",
  "TypeError",
  "RangeError",
  "Unknown",
]);

/** `errorClass` as a metric label: itself when known, else `Other`. */
export function deadLetterClassLabel(errorClass: string): string {
  return KNOWN_DEAD_LETTER_CLASSES.has(errorClass) ? errorClass : "Other";
}
