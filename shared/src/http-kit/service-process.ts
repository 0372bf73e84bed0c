import { messageOf } from "../errors/message-of.ts";
import { createLogger, type Logger, type LogSettings } from "../logging/logger.ts";
import { exitWithSupervisor } from "./exit-with-supervisor.ts";

export interface StartedService {
  /** The one line logged once the service is listening. */
  readyLine: string;
  /** Graceful shutdown: stop accepting, finish in-flight work, close backend connections. */
  close(): Promise<void>;
}

export interface ServiceProcessOptions<Config extends { log: LogSettings }> {
  /** The process's name: its logger's, and the prefix of a refusal to start. */
  name: string;
  /** Reads the configuration once (the process's config module); throws what to set. */
  readConfig: () => Config;
  /**
   * Starts the service with its configuration and logger, and says what it listens on. `fail`
   * ends a service that can no longer do its job (shut down gracefully, then exit code 1), so its
   * supervisor starts a fresh one instead of leaving it up doing nothing.
   */
  start: (
    config: Config,
    logger: Logger,
    fail: (reason: string) => void,
  ) => Promise<StartedService>;
}

/**
 * A service as a process under a supervisor: read the configuration (a refusal is one clear line
 * on stderr and exit code 1, not a stack trace), make the process's logger from it, start, log one
 * line when listening, and on SIGTERM or SIGINT shut down gracefully then exit 0 (after `fail`: exit
 * 1). A second signal
 * while shutting down exits at once. Under the launcher, the end of its stdin pipe counts as SIGTERM
 * (exit-with-supervisor.ts).
 */
export async function runServiceProcess<Config extends { log: LogSettings }>({
  name,
  readConfig,
  start,
}: ServiceProcessOptions<Config>): Promise<void> {
  exitWithSupervisor();
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    console.error(`${name} did not start: ${messageOf(error)}`);
    process.exit(1);
  }
  const logger = createLogger(name, config.log);
  let service: StartedService | undefined;
  let stopping = false;
  const shutDown = (code: number) => {
    stopping = true;
    if (!service) process.exit(code);
    service.close().then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const fail = (reason: string) => {
    if (stopping) return;
    logger.fatal(`${name} cannot go on: ${reason}; shutting down`);
    shutDown(1);
  };
  try {
    service = await start(config, logger, fail);
  } catch (error) {
    logger.fatal({ err: error }, `${name} did not start: ${messageOf(error)}`);
    process.exit(1);
  }
  logger.info(`${name} ${service.readyLine}`);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again while shutting down, exiting now`);
      process.exit(1);
    }
    logger.info(`${signal}: shutting down`);
    shutDown(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
