import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { STACK_DEFAULTS } from "#shared/defaults.ts";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { commandOf } from "./supervisor/port-holders.ts";

type RunState = "starting" | "running" | "stopping";

/** A process named by pid and start time: a pid the kernel handed to someone else is not it. */
interface ProcessId {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which it started. */
  since: string;
}

interface LockContent extends ProcessId {
  state: RunState;
  /** The app processes it runs (and, once it was killed, those that may still be ending). */
  children: ProcessId[];
}

export class StackRunningError extends CouponDropError {}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command may hold spaces and parentheses: the fields that follow start after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function idOf(pid: number): ProcessId {
  return { pid, since: startTimeOf(pid) ?? "" };
}

const isAlive = ({ pid, since }: ProcessId) => startTimeOf(pid) === since;

function describe(ids: ProcessId[]): string {
  return ids.map(({ pid }) => `${pid} (${commandOf(pid) ?? "?"})`).join(", ");
}

export interface RunLockOptions {
  /** Default DATA_DIR of paths.ts: one run per data directory (its broker data, its lock). */
  dataDir: string;
  log: (line: string) => void;
  /** How long to wait for a run that is stopping, or a killed run's processes, to end. */
  waitMs?: number;
  pollMs?: number;
}

/**
 * One `npm start` per data directory at a time: a lock file holding the launcher's pid, its state
 * and its children's pids. A run that is starting or running makes another refuse at once, naming
 * its pid; a run that is stopping is waited for (its broker, proxies and control are going away, so
 * nothing of it may be reused); a run that was killed (SIGKILL leaves the file behind) is waited for
 * until its children, which end when their launcher is gone, have exited.
 */
export async function acquireRunLock({
  dataDir,
  log,
  waitMs = STACK_DEFAULTS.waitForStoppingRunMs,
  pollMs = 250,
}: RunLockOptions) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "npm-start.lock");
  const me = idOf(process.pid);
  let content: LockContent = { ...me, state: "starting", children: [] };
  const save = () => {
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(content));
    renameSync(temporary, file);
  };

  const deadline = Date.now() + waitMs;
  let said = "";
  const sayOnce = (line: string) => {
    if (line !== said) log(line);
    said = line;
  };
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, JSON.stringify(content));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: LockContent | undefined;
    let raw = "";
    try {
      raw = readFileSync(file, "utf8");
      holder = JSON.parse(raw) as LockContent;
    } catch {
      // being written, or gone meanwhile: look again
    }
    if (holder && isAlive(holder)) {
      if (holder.state !== "stopping") {
        throw new StackRunningError(
          `another npm start is ${holder.state} (pid ${holder.pid}) with data in ${dataDir}: stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or give this one COUPON_DROP_DATA_DIR and ports of its own`,
        );
      }
      sayOnce(`another npm start (pid ${holder.pid}) is stopping: waiting for it to finish`);
    } else if (holder) {
      const remaining = holder.children.filter(isAlive);
      if (remaining.length === 0) {
        // Stale: its launcher and children are gone. Removed only if it is still that file.
        try {
          if (readFileSync(file, "utf8") === raw) unlinkSync(file);
        } catch {
          // someone else removed it first
        }
        continue;
      }
      sayOnce(
        `a previous npm start (pid ${holder.pid}) ended without stopping; waiting for its processes to end: ${describe(remaining)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new StackRunningError(
        `gave up after ${Math.round(waitMs / 1000)} s waiting for the previous npm start to finish (lock ${file})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }

  return {
    file,
    /** Records the launcher's state and its children, for another run to read. */
    update(state: RunState, children?: number[]) {
      content = {
        ...content,
        state,
        ...(children ? { children: children.map(idOf) } : {}),
      };
      save();
    },
    /** Removes the lock once everything this run started is stopped. */
    release() {
      try {
        const current = JSON.parse(readFileSync(file, "utf8")) as LockContent;
        if (current.pid === me.pid && current.since === me.since) unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}

export type RunLock = Awaited<ReturnType<typeof acquireRunLock>>;
