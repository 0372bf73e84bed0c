import { pino } from "pino";
import type { Logger } from "./logger.ts";

/** A logger that keeps its lines as objects, for tests that check what a module logged. */
export function createMemoryLogger(level = "debug"): {
  logger: Logger;
  lines: Array<Record<string, unknown> & { msg?: string; level: number }>;
} {
  const lines: Array<Record<string, unknown> & { msg?: string; level: number }> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}
