import { ORPHAN_EXIT_GRACE_MS } from "../defaults.ts";

export interface ExitWithSupervisorOptions {
  env?: Record<string, string | undefined>;
  /** Exit anyway this long after the pipe ended, if the graceful shutdown has not. */
  graceMs?: number;
}

/**
 * Ties a Node process's life to its supervisor's. The launcher runs each app process in a session
 * of its own (so a terminal's Ctrl-C reaches only the launcher, which stops them in order) and
 * gives it a pipe as stdin with `EXIT_ON_STDIN_EOF=1`. Nothing is ever written to it: the pipe
 * ends only when the launcher is gone, however it ended (the kernel closes its end on SIGKILL
 * too), and then the process shuts down as on SIGTERM instead of living on as an orphan holding
 * its port. Without the variable (a process started by hand) stdin is left alone.
 */
export function exitWithSupervisor({
  env = process.env,
  graceMs = ORPHAN_EXIT_GRACE_MS,
}: ExitWithSupervisorOptions = {}): void {
  if (env.EXIT_ON_STDIN_EOF !== "1") return;
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    console.error("supervisor gone (stdin closed): shutting down");
    setTimeout(() => process.exit(1), graceMs).unref();
    process.kill(process.pid, "SIGTERM");
  };
  const stdin = process.stdin;
  stdin.on("data", () => undefined);
  stdin.once("end", onGone);
  stdin.once("close", onGone);
  stdin.once("error", onGone);
  // Watching the pipe must not by itself keep a process alive that is otherwise done.
  (stdin as { unref?: () => void }).unref?.();
}
