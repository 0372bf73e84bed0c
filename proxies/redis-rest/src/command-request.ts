import { z } from "zod";
import type { CommandArgument } from "./command-policy.ts";

/**
 * One command as `@upstash/redis` sends it: `["SET", "key", "value", "EX", 60]`. Arguments arrive
 * as JSON strings, numbers or booleans; Redis receives them as strings.
 */
export const commandSchema = z
  .array(z.union([z.string(), z.number(), z.boolean()]))
  .min(1, "a command is a non-empty array: [name, ...arguments]");

/** `/pipeline` and `/multi-exec` take a non-empty array of commands. */
export const commandListSchema = z
  .array(commandSchema)
  .min(1, "send at least one command: [[name, ...arguments], ...]");

export type Command = z.infer<typeof commandSchema>;

/** The name and arguments as Redis receives them (booleans become "true"/"false"). */
export function toRedisArguments(command: readonly CommandArgument[]): {
  name: string;
  args: Array<string | number>;
} {
  return {
    name: String(command[0]),
    args: command.slice(1).map((arg) => (typeof arg === "boolean" ? String(arg) : arg)),
  };
}
