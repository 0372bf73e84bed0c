import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { type DestinationStream, type Logger, pino } from "pino";
import { z } from "zod";
import { LOG_DEFAULTS } from "../defaults.ts";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const LOG_FORMATS = ["json", "pretty"] as const;

/** The variables every Node process's config module reads (`...logEnv` in its schema). */
export const logEnv = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default(LOG_DEFAULTS.level),
  /** `json` (one object a line, for a log pipeline) or `pretty` (for a terminal). */
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  NODE_ENV: z.string().optional(),
};

export interface LogSettings {
  level: (typeof LOG_LEVELS)[number];
  format: (typeof LOG_FORMATS)[number];
}

/** The log settings from a config module's parsed environment: JSON in production by default. */
export function logSettingsOf(env: {
  LOG_LEVEL: LogSettings["level"];
  LOG_FORMAT?: LogSettings["format"];
  NODE_ENV?: string;
}): LogSettings {
  return {
    level: env.LOG_LEVEL,
    format:
      env.LOG_FORMAT ?? (env.NODE_ENV === "production" ? "json" : LOG_DEFAULTS.developmentFormat),
  };
}

/** For a process that reads nothing else from the environment (the launcher, tools). */
export function readLogSettings(
  env: Record<string, string | undefined> = process.env,
): LogSettings {
  return logSettingsOf(z.object(logEnv).parse(env));
}

const require = createRequire(import.meta.url);

/** Where a logger's lines go when not to stdout: anything that takes a line at a time. */
export interface LineDestination {
  write(line: string): void;
}

/** A line destination as the Node stream pino-pretty pipes into. */
function writableOf(destination: LineDestination): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      destination.write(String(chunk));
      done();
    },
  });
}

/**
 * pino-pretty as a synchronous stream (no worker thread), or null where it is not installed: it is a
 * development dependency, absent from a production install, which logs JSON anyway.
 */
function prettyStream(destination?: LineDestination): DestinationStream | null {
  try {
    const pretty = require("pino-pretty") as (options: object) => DestinationStream;
    return pretty({
      sync: true,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,name",
      ...(destination ? { destination: writableOf(destination), colorize: false } : {}),
    });
  } catch {
    return null;
  }
}

/**
 * The one logger of a process: pino, named after the process, at `settings.level`, as JSON lines
 * or pretty lines, on stdout unless given a `destination`. Child loggers
 * (`logger.child({ requestId })`) carry a request's or an event's ids on every line of its life.
 */
export function createLogger(
  name: string,
  settings: LogSettings = { level: LOG_DEFAULTS.level, format: "json" },
  destination?: LineDestination,
): Logger {
  const options = { name, level: settings.level };
  const pretty = settings.format === "pretty" ? prettyStream(destination) : null;
  if (pretty) return pino(options, pretty);
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing: for tests of modules that log. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
