import type { z } from "zod";

/** One thing wrong with a value: where (a dotted path, `(root)` for the value itself) and what. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** zod's issues as fields and messages, in zod's order. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

/** Issues as one line a caller can act on: `0.topic: expected string; value: required`. */
export function describeIssues(issues: z.ZodError | readonly FieldIssue[]): string {
  const list = "issues" in issues ? fieldIssues(issues) : issues;
  return list.map(({ field, message }) => `${field}: ${message}`).join("; ");
}

/**
 * Parses `input` with `schema`, or throws `invalid <what>: <every issue>` as the error `toError`
 * makes of it (an `Error` unless told otherwise; an HTTP service makes it a 400).
 */
export function parseOrThrow<T>(
  schema: z.ZodType<T>,
  input: unknown,
  what: string,
  toError: (message: string) => Error = (message) => new Error(message),
): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw toError(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
