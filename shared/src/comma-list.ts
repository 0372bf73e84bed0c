import { z } from "zod";

/** The items of a comma-separated setting (`a, b,,c` → `["a", "b", "c"]`): trimmed, blanks dropped. */
export function splitCommaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A comma-separated environment variable, read as its items. */
export const commaList = z.string().transform(splitCommaList);
