import { type ChildProcess, spawn } from "node:child_process";
import { RESTART_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { REPO_ROOT } from "../paths.ts";
import { commandExists } from "../services/command-exists.ts";
import { forwardLines } from "./line-forwarder.ts";
import { assertPortFree, describeHolders, findPortHolders } from "./port-holders.ts";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * Variables the process is not handed, whether `env` or the supervisor's own environment holds
   * them: the credentials it does not use (app-processes.ts).
   */
  withhold?: readonly string[];
  /** GET answering 200 once the process serves; its port is the one the process listens on. */
  healthUrl?: string;
  /** Runs before each start (a build the command needs); a failure fails the start. */
  prepare?: () => Promise<void>;
  /**
   * Whether the process ends by itself when its stdin pipe from the supervisor closes
   * (`EXIT_ON_STDIN_EOF`, the project's own entries). Default true. One that cannot (workerd) is
   * run under `setpriv --pdeathsig SIGTERM` instead: the kernel signals it when the supervisor dies.
   */
  exitsWithStdin?: boolean;
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

export type RestartPolicy = {
  -readonly [K in keyof typeof RESTART_DEFAULTS]: number;
};

export interface SupervisorOptions {
  /** Where every line goes; default stdout with a fixed-width `[name]` prefix. */
  write?: (name: string, line: string) => void;
  healthTimeoutMs?: number;
  stopGraceMs?: number;
  /**
   * What happens to a process that exits on its own: restarted with backoff (default
   * RESTART_DEFAULTS), or, with `false`, left down (the tests' systems, which kill and restart
   * processes themselves).
   */
  restart?: RestartPolicy | false;
  /** Called once when a process keeps crashing (a crash loop); the caller stops the system. */
  onGiveUp?: (reason: string) => void;
  /** Called with the pids of every running process whenever one starts or ends. */
  onPids?: (pids: number[]) => void;
}

export function prefixedWriter(width = 10) {
  return (name: string, line: string) =>
    process.stdout.write(`${`[${name}]`.padEnd(width + 2)} ${line}\n`);
}

/** The port a process serves on: its health URL's. */
export function listenPortOf(spec: ProcessSpec): number | undefined {
  if (!spec.healthUrl) return undefined;
  const url = new URL(spec.healthUrl);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function waitHealthy(
  url: string,
  timeoutMs: number,
  child: ChildProcess,
  name: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(child))
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
 * The health URL answered: make sure the process started here is the one listening, not another
 * one that held the port (a previous run's, say) while ours failed to bind it.
 */
function assertListenerIs(child: ChildProcess, port: number, name: string): void {
  const holders = findPortHolders(port);
  if (holders.length === 0 || holders.some((h) => h.pid === child.pid)) return;
  throw new Error(
    `${name}: port ${port} answers, but from ${describeHolders(holders)}, not from the ${name} started here (pid ${child.pid})`,
  );
}

/**
 * Runs the app's processes: logs to one place with a prefix each, health-checked on start, each
 * checked to be the one listening on its port, restarted with backoff when one exits on its own,
 * stopped in reverse start order (SIGTERM, then SIGKILL after a grace period) — only what it
 * started.
 *
 * Each child runs in a session of its own (`detached`): a terminal's Ctrl-C (SIGINT to the whole
 * foreground process group) reaches only the supervisor, which then stops the children gateway
 * first, proxies last, instead of all of them at once. Their stdin is a pipe from the supervisor
 * that nothing is written to (`EXIT_ON_STDIN_EOF=1`): when the supervisor dies, even by SIGKILL,
 * the kernel closes it and each child shuts itself down (shared/src/http-kit/exit-with-supervisor.ts).
 */
export function createSupervisor({
  write = prefixedWriter(),
  healthTimeoutMs = 60_000,
  stopGraceMs = 10_000,
  restart: policy = { ...RESTART_DEFAULTS },
  onGiveUp = () => undefined,
  onPids = () => undefined,
}: SupervisorOptions = {}) {
  const started: SupervisedProcess[] = [];
  let stopping = false;
  let gaveUp = false;
  const live = new Set<number>();
  const reportPids = () => onPids([...live]);

  async function start(spec: ProcessSpec): Promise<SupervisedProcess> {
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let expectedExit = false;
    let starting = false;
    let startedAt = 0;
    let crashes = 0;
    let restartTimer: NodeJS.Timeout | undefined;
    let cancelRestart: (() => void) | undefined;
    const port = listenPortOf(spec);

    async function launch() {
      expectedExit = false;
      starting = true;
      try {
        await spec.prepare?.();
        if (port !== undefined) await assertPortFree(port, "127.0.0.1", spec.name);
        const [command, args] =
          spec.exitsWithStdin === false && commandExists("setpriv")
            ? ["setpriv", ["--pdeathsig", "SIGTERM", spec.command, ...spec.args]]
            : [spec.command, spec.args];
        const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, EXIT_ON_STDIN_EOF: "1" };
        for (const name of spec.withhold ?? []) delete env[name];
        const self = spawn(command, args, {
          cwd: REPO_ROOT,
          env,
          stdio: ["pipe", "pipe", "pipe"],
          detached: true,
        });
        child = self;
        startedAt = Date.now();
        const pid = self.pid;
        if (pid !== undefined) live.add(pid);
        // Never written to: the pipe's end is the message (see above).
        self.stdin?.on("error", () => undefined);
        if (self.stdout) forwardLines(self.stdout, (line) => write(spec.name, line));
        if (self.stderr) forwardLines(self.stderr, (line) => write(spec.name, line));
        exited = new Promise((resolve) =>
          self.once("exit", (code, signal) => {
            if (pid !== undefined) live.delete(pid);
            reportPids();
            resolve();
            if (expectedExit || stopping || starting || self !== child) return;
            const how = `code ${code ?? "-"}, signal ${signal ?? "-"}`;
            write(spec.name, `!!! exited unexpectedly (${how})`);
            if (policy) void recover(`exited (${how})`);
          }),
        );
        self.once("error", (error) => write(spec.name, `!!! cannot start: ${error.message}`));
        reportPids();
        if (spec.healthUrl) {
          await waitHealthy(spec.healthUrl, healthTimeoutMs, self, spec.name);
          if (port !== undefined) assertListenerIs(self, port, spec.name);
        }
      } catch (error) {
        if (child && isAlive(child)) {
          expectedExit = true;
          child.kill("SIGKILL");
          await exited;
        }
        throw error;
      } finally {
        starting = false;
      }
    }

    /** After an unexpected exit: restart with backoff, or give up on a crash loop. */
    async function recover(reason: string): Promise<void> {
      if (!policy) return;
      for (;;) {
        if (stopping || expectedExit || gaveUp) return;
        if (Date.now() - startedAt >= policy.stableAfterMs) crashes = 0;
        crashes++;
        if (crashes > policy.maxRestarts) {
          gaveUp = true;
          const within = Math.round(policy.stableAfterMs / 1000);
          const message = `${spec.name} keeps failing: ${crashes} times in a row, each within ${within} s of starting (last: ${reason}): stopping the system`;
          write(spec.name, `!!! ${message}`);
          onGiveUp(message);
          return;
        }
        const backoff = Math.min(policy.initialBackoffMs * 2 ** (crashes - 1), policy.maxBackoffMs);
        write(
          spec.name,
          `restarting in ${(backoff / 1000).toFixed(1)} s (restart ${crashes} of at most ${policy.maxRestarts} in a row)`,
        );
        const proceed = await new Promise<boolean>((resolve) => {
          restartTimer = setTimeout(() => resolve(true), backoff);
          cancelRestart = () => resolve(false);
        });
        restartTimer = undefined;
        cancelRestart = undefined;
        if (!proceed || stopping || expectedExit) return;
        try {
          await launch();
          write(spec.name, `restarted (pid ${child?.pid})`);
          return;
        } catch (error) {
          reason = messageOf(error);
          write(spec.name, `!!! restart failed: ${reason}`);
          startedAt = Date.now();
        }
      }
    }

    await launch();
    const handle: SupervisedProcess = {
      spec,
      get pid() {
        return child?.pid;
      },
      get running() {
        return child !== undefined && isAlive(child);
      },
      async signal(signal) {
        if (!child || !handle.running) return;
        const fatal = signal === "SIGKILL" || signal === "SIGTERM" || signal === "SIGINT";
        if (fatal) expectedExit = true;
        child.kill(signal);
        if (fatal) await exited;
      },
      async restart() {
        if (handle.running) await handle.stop();
        crashes = 0;
        await launch();
      },
      async stop() {
        expectedExit = true;
        if (restartTimer) clearTimeout(restartTimer);
        cancelRestart?.();
        const running = child;
        if (!running || !isAlive(running)) return;
        running.kill("SIGTERM");
        const timer = setTimeout(() => running.kill("SIGKILL"), stopGraceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    started.push(handle);
    // Stopping began while it was starting: stopAll did not see it.
    if (stopping) await handle.stop();
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
