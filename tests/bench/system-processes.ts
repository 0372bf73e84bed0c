import { readdirSync, readFileSync } from "node:fs";

/** One process of the running system, found in /proc. */
export interface SystemProcess {
  pid: number;
  /** What it is: gateway, redis-rest, kafka-rest, control, worker-<n>, kafka, redis-server, postgres. */
  role: string;
}

export interface FindOptions {
  /** The app processes to count are those started with this Kafka REST URL in their environment. */
  kafkaRestUrl: string;
  /** The broker to count: the one listening on this port (its data dir is named after it). */
  kafkaPort: number;
  /** The redis-server to count: the one listening on this port. */
  redisPort: number;
  /** The PostgreSQL backends to count: those connected to this database. */
  database: string;
  /** Backends not to count (the bench's own connection). */
  excludePids?: ReadonlySet<number>;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // the process ended while we looked
  }
}

function environ(pid: number): Map<string, string> {
  const entries = (read(`/proc/${pid}/environ`) ?? "").split("\0").map((kv) => {
    const at = kv.indexOf("=");
    return [kv.slice(0, at), kv.slice(at + 1)] as const;
  });
  return new Map(entries);
}

const APP_ROLES: Array<[RegExp, string]> = [
  [/gateway\/src\/main-(deno|node)\.ts/, "gateway"],
  // The gateway on workerd: its config lives in the stack's workers directory (stack/src/workers/).
  [/workerd serve \S*workers\/gateway\/workerd\.capnp/, "gateway"],
  [/proxies\/redis-rest\/src\/main\.ts/, "redis-rest"],
  [/proxies\/kafka-rest\/src\/main\.ts/, "kafka-rest"],
  [/consumer\/src\/control\/main\.ts/, "control"],
  [/consumer\/src\/issue-worker\/main\.ts/, "worker"],
  [/consumer\/src\/stream-worker\/main\.ts/, "stream-worker"],
];

/**
 * The processes of one running system, by role. The machine may run other copies of the same
 * programs (a test suite's system, another broker): app processes are told apart by the Kafka
 * REST URL they were started with, the broker by its port, redis-server by its port, PostgreSQL's
 * backends by the database they serve (their title, `postgres: <user> <database> <client> ...`):
 * other databases' backends and the server's own processes (WAL writer, checkpointer), which
 * serve every database on the machine, are not counted.
 */
export function findSystemProcesses({
  kafkaRestUrl,
  kafkaPort,
  redisPort,
  database,
  excludePids = new Set(),
}: FindOptions): SystemProcess[] {
  const found: SystemProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cmdline = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ");
    const comm = (read(`/proc/${pid}/comm`) ?? "").trim();
    const app = APP_ROLES.find(([pattern]) => pattern.test(cmdline));
    if (app) {
      const env = environ(pid);
      if (env.get("KAFKA_REST_URL") !== kafkaRestUrl) continue;
      const role = app[1].endsWith("worker") ? `${app[1]}-${env.get("WORKER_ID") ?? pid}` : app[1];
      found.push({ pid, role });
    } else if (cmdline.includes("kafka.Kafka") && cmdline.includes(`broker-${kafkaPort}`)) {
      found.push({ pid, role: "kafka" });
    } else if (comm === "redis-server" && cmdline.includes(`:${redisPort}`)) {
      found.push({ pid, role: "redis-server" });
    } else if (cmdline.startsWith("postgres: ") && !excludePids.has(pid)) {
      // With Debian's cluster name first: `postgres: 15/main: <user> <database> <client> ...`.
      const db = /^postgres: (?:\S+: )?\S+ (\S+) /.exec(cmdline)?.[1];
      if (db === database) found.push({ pid, role: "postgres" });
    }
  }
  return found;
}

/** The runtime a gateway process runs on, from its command line. */
export function gatewayRuntimeOf(cmdline: string): "deno" | "node" | "workers" {
  if (cmdline.includes("main-deno")) return "deno";
  if (/workerd serve/.test(cmdline)) return "workers";
  return "node";
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on (getconf CLK_TCK)

/** User + system CPU time of a process (all its threads) in microseconds, or null if it is gone. */
export function cpuMicros(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

/** CPU microseconds of each process, by pid. */
export function cpuByPid(processes: SystemProcess[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const { pid } of processes) {
    const micros = cpuMicros(pid);
    if (micros !== null) byPid.set(pid, micros);
  }
  return byPid;
}

/**
 * CPU microseconds each role spent between two readings. A process that appeared in between (a new
 * PostgreSQL backend, a restarted worker) counts from zero; one that ended in between is lost.
 */
export function cpuSpentByRole(
  processes: SystemProcess[],
  before: Map<number, number>,
  after: Map<number, number>,
): Map<string, number> {
  const byRole = new Map<string, number>();
  for (const { pid, role } of processes) {
    const end = after.get(pid);
    if (end === undefined) continue;
    byRole.set(role, (byRole.get(role) ?? 0) + end - (before.get(pid) ?? 0));
  }
  return byRole;
}
