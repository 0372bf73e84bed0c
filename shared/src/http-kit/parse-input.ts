import type { z } from "zod";
import { HttpError } from "./http-error.ts";

/** zod issues as one line a caller can act on: `0.topic: expected string; value: required`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

/** Parses what a caller sent; anything that does not fit is a 400 naming every issue. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new HttpError(400, `invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
