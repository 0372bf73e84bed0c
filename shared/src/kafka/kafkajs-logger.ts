import { type LogEntry, logLevel } from "kafkajs";
import type { Logger } from "../logging/logger.ts";

/**
 * kafkajs's own log lines through the process's logger (its `logCreator`), with kafkajs's fields
 * (broker, clientId, groupId, error) as fields of the line instead of a JSON string of its own.
 */
export function kafkajsLogCreator(logger: Logger) {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const line = { namespace, ...fields };
      if (level === logLevel.ERROR) kafkaLogger.error(line, message);
      else if (level === logLevel.WARN) kafkaLogger.warn(line, message);
      else if (level === logLevel.INFO) kafkaLogger.info(line, message);
      else kafkaLogger.debug(line, message);
    };
}

/**
 * What kafkajs itself should bother to produce for a logger at this level: its INFO lines (every
 * group join, every connection) only when debugging, its DEBUG lines (every request) only at trace.
 */
export function kafkajsLogLevel(logger: Logger): logLevel {
  if (logger.level === "trace") return logLevel.DEBUG;
  if (logger.level === "debug") return logLevel.INFO;
  if (logger.level === "silent") return logLevel.NOTHING;
  return logLevel.WARN;
}
