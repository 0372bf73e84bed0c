import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";

/** A process found holding a listening socket, read from /proc. */
export interface PortHolder {
  pid: number;
  /** Its command line as /proc/<pid>/cmdline has it, arguments joined with spaces. */
  command: string;
}

const LISTEN = "0A";

/** Inodes of the TCP sockets listening on `port` (any address, IPv4 and IPv6), from /proc/net. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue; // no IPv6, or not Linux
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) {
        const inode = fields[9];
        if (inode && inode !== "0") inodes.add(inode);
      }
    }
  }
  return inodes;
}

/** The command line of `pid`, or undefined once it is gone. */
export function commandOf(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

/**
 * The processes holding a listening socket on `port`. Empty when none is found, which includes a
 * holder of another user whose /proc entries this process may not read.
 */
export function findPortHolders(port: number): PortHolder[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const pid = Number(entry);
        holders.push({ pid, command: commandOf(pid) ?? "?" });
        break;
      }
    }
  }
  return holders;
}

/** True when something listens on `port` (the socket tables know it even if its owner is hidden). */
export function isPortListening(port: number): boolean {
  return listeningInodes(port).size > 0;
}

/** "pid 123 (node proxies/redis-rest/src/main.ts)", or what can be said when the holder is hidden. */
export function describeHolders(holders: PortHolder[]): string {
  if (holders.length === 0) return "a process this user cannot see (another user's)";
  return holders.map((h) => `pid ${h.pid} (${h.command})`).join(", ");
}

/** Resolves when `port` on `host` can be bound now, rejects with the listen error otherwise. */
function tryBind(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Raised when a port the launcher must bind is held by a process it did not start. */
export class PortInUseError extends CouponDropError {
  readonly port: number;
  readonly holders: PortHolder[];
  constructor(port: number, what: string, holders: PortHolder[]) {
    super(
      `port ${port} (${what}) is already in use by ${describeHolders(holders)}: stop that process or give ${what} another port`,
    );
    this.port = port;
    this.holders = holders;
  }
}

/** Throws PortInUseError, naming the holder, unless `port` is free to bind on `host`. */
export async function assertPortFree(port: number, host: string, what: string): Promise<void> {
  try {
    await tryBind(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    throw new PortInUseError(port, what, findPortHolders(port));
  }
}
