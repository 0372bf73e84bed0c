import { createLogger, type LogSettings } from "#shared/logging/logger.ts";
import { prefixedWriter } from "./supervisor.ts";

/** The launcher's own lines come under this name; any other name is a process it runs. */
export const LAUNCHER = "stack";

/**
 * Where `npm start` writes: its own lines through its logger (pino, like every process it runs),
 * and each line of those processes as they wrote it. Readable format: every line behind the
 * fixed-width `[name]` of its process. JSON: one object a line, so a log pipeline reads the
 * launcher's and the processes' lines alike; a line that is no JSON already (the broker's, Redis's)
 * becomes one, with its process's name.
 */
export function createLogWriter(settings: LogSettings): (name: string, line: string) => void {
  if (settings.format === "json") {
    const launcher = createLogger(LAUNCHER, settings);
    return (name, line) => {
      if (name === LAUNCHER) launcher.info(line);
      else if (line.startsWith("{")) process.stdout.write(`${line}\n`);
      else launcher.info({ process: name }, line);
    };
  }
  const prefixed = prefixedWriter();
  const launcher = createLogger(LAUNCHER, settings, {
    write: (line) => prefixed(LAUNCHER, line.replace(/\n$/, "")),
  });
  return (name, line) => (name === LAUNCHER ? launcher.info(line) : prefixed(name, line));
}
