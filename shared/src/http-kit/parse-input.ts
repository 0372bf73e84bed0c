import type { z } from "zod";
import { parseOrThrow } from "../describe-issues.ts";
import { HttpError } from "./http-error.ts";

/** Parses what a caller sent; anything that does not fit is a 400 naming every issue. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  return parseOrThrow(schema, input, what, (message) => new HttpError(400, message));
}
