import { messageOf } from "../errors/message-of.ts";
import { exitWithSupervisor } from "./exit-with-supervisor.ts";

export interface StartedService {
  /** The one line logged once the service is listening. */
  readyLine: string;
  /** Graceful shutdown: stop accepting, finish in-flight work, close backend connections. */
  close(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** Reads the configuration, starts the service and says what it listens on. */
  start: () => Promise<StartedService>;
  /** Prefix of the few lines the process logs. */
  name: string;
}

/**
 * A service as a process under a supervisor: start (a configuration error is one clear line and
 * exit code 1, not a stack trace), log one line when listening, and on SIGTERM or SIGINT shut down
 * gracefully then exit 0. A second signal while shutting down exits at once. Under the launcher,
 * the end of its stdin pipe counts as SIGTERM (exit-with-supervisor.ts).
 */
export async function runServiceProcess({ start, name }: ServiceProcessOptions): Promise<void> {
  exitWithSupervisor();
  let service: StartedService;
  try {
    service = await start();
  } catch (error) {
    console.error(`${name} did not start: ${messageOf(error)}`);
    process.exit(1);
  }
  console.log(`${name} ${service.readyLine}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${name}: ${signal} again while shutting down, exiting now`);
      process.exit(1);
    }
    stopping = true;
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${name}: shutdown failed:`, error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
