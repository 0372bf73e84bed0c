import { type ChildProcess, spawn } from "node:child_process";
import { REPO_ROOT } from "../paths.ts";
import { forwardLines } from "./line-forwarder.ts";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** GET answering 200 once the process serves. */
  healthUrl?: string;
  /** Runs before each start (a build the command needs); a failure fails the start. */
  prepare?: () => Promise<void>;
}

export interface SupervisedProcess {
  readonly spec: ProcessSpec;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends a signal (SIGKILL for a crash, SIGSTOP/SIGCONT to freeze) and, for a fatal one, waits for exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again after it stopped or was killed, and waits for health. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** Where every line goes; default stdout with a fixed-width `[name]` prefix. */
  write?: (name: string, line: string) => void;
  healthTimeoutMs?: number;
  stopGraceMs?: number;
}

export function prefixedWriter(width = 10) {
  return (name: string, line: string) =>
    process.stdout.write(`${`[${name}]`.padEnd(width + 2)} ${line}\n`);
}

async function waitHealthy(
  url: string,
  timeoutMs: number,
  child: ChildProcess,
  name: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited while starting (code ${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${name} not healthy at ${url} within ${timeoutMs} ms`);
}

/**
 * Runs the app's processes: logs to one place with a prefix each, health-checked on start, stopped
 * in reverse start order (SIGTERM, then SIGKILL after a grace period) — only what it started.
 */
export function createSupervisor({
  write = prefixedWriter(),
  healthTimeoutMs = 60_000,
  stopGraceMs = 10_000,
}: SupervisorOptions = {}) {
  const started: SupervisedProcess[] = [];
  let stopping = false;

  async function start(spec: ProcessSpec): Promise<SupervisedProcess> {
    let child: ChildProcess;
    let exited: Promise<void>;
    let expectedExit = false;

    async function launch() {
      expectedExit = false;
      await spec.prepare?.();
      child = spawn(spec.command, spec.args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...spec.env },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which then
        // stops the children in reverse order instead of all of them at once.
        detached: true,
      });
      const self = child;
      if (self.stdout) forwardLines(self.stdout, (line) => write(spec.name, line));
      if (self.stderr) forwardLines(self.stderr, (line) => write(spec.name, line));
      exited = new Promise((resolve) =>
        self.once("exit", (code, signal) => {
          if (!expectedExit && !stopping)
            write(
              spec.name,
              `!!! exited unexpectedly (code ${code ?? "-"}, signal ${signal ?? "-"})`,
            );
          resolve();
        }),
      );
      self.once("error", (error) => write(spec.name, `!!! cannot start: ${error.message}`));
      if (spec.healthUrl) await waitHealthy(spec.healthUrl, healthTimeoutMs, self, spec.name);
    }

    await launch();
    const handle: SupervisedProcess = {
      spec,
      get pid() {
        return child.pid;
      },
      get running() {
        return child.exitCode === null && child.signalCode === null;
      },
      async signal(signal) {
        if (!handle.running) return;
        const fatal = signal === "SIGKILL" || signal === "SIGTERM" || signal === "SIGINT";
        if (fatal) expectedExit = true;
        child.kill(signal);
        if (fatal) await exited;
      },
      async restart() {
        if (handle.running) await handle.stop();
        await launch();
      },
      async stop() {
        if (!handle.running) return;
        expectedExit = true;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), stopGraceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    started.push(handle);
    return handle;
  }

  return {
    start,
    processes: started,
    async stopAll(): Promise<void> {
      stopping = true;
      for (const handle of [...started].reverse()) await handle.stop();
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
