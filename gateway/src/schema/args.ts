import { z } from "zod";
import { parseId } from "#shared/ids.ts";
import { badInput } from "./errors.ts";

/** An id argument from the caller, validated at the boundary. */
export function idArg(value: string | number, field: string): string {
  const parsed = parseId(typeof value === "string" ? value.trim() : value);
  if (!parsed.ok) throw badInput(`${field} ${parsed.error} (got ${JSON.stringify(value)})`, field);
  return parsed.id;
}

const uuid = z.uuid();

export function requestIdArg(value: string | number): string {
  const parsed = uuid.safeParse(String(value).trim().toLowerCase());
  if (!parsed.success)
    throw badInput(`requestId must be a UUID (got ${JSON.stringify(value)})`, "requestId");
  return parsed.data;
}
