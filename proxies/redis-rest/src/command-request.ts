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

const isArgument = (a: unknown) =>
  typeof a === "string" || typeof a === "number" || typeof a === "boolean";
/** The rules of `commandSchema`, checked by hand (JSON has no NaN or Infinity to refuse). */
const isCommand = (c: unknown): c is Command =>
  Array.isArray(c) && c.length > 0 && c.every(isArgument);

/**
 * A command list that passes the hand check, as it came; otherwise zod's verdict, whose issues the
 * 400 names. The gateway's pipelines always pass, so zod builds nothing per command for them.
 */
export function parseCommandList(body: unknown, parse: (body: unknown) => Command[]): Command[] {
  return Array.isArray(body) && body.length > 0 && body.every(isCommand) ? body : parse(body);
}

/** One command, as `parseCommandList` does it. */
export function parseCommand(body: unknown, parse: (body: unknown) => Command): Command {
  return isCommand(body) ? body : parse(body);
}

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
