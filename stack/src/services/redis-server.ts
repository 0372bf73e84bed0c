import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";
import {
  ensureProxyRedisUser,
  type ProxyRedisUser,
  proxyRedisUser,
  proxyUserDirective,
} from "../redis-proxy-user.ts";
import { forwardLines } from "../supervisor/line-forwarder.ts";
import { assertPortFree } from "../supervisor/port-holders.ts";
import { commandExists } from "./command-exists.ts";

export async function isRedisReady(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export interface StartedService {
  /** Stops the service this run started; a no-op for one that was already running. */
  stop(): Promise<void>;
  started: boolean;
}

/**
 * The proxy user's commands this machine's redis-server accepted when it was first started here:
 * from then on it is started with the user on its command line (`--user`), so a restart has it
 * before the first connection. Learnt, not listed: a rule naming a command the server does not
 * know stops it from starting, and which commands it knows depends on its version.
 */
let acceptedProxyCommands: string[] | undefined;

export interface EnsureRedisOptions {
  /** The Redis REST proxy's ACL user, made in a Redis started here. Default: the development token's. */
  proxyUser?: ProxyRedisUser;
  /**
   * More redis-server arguments, after the defaults (a later one wins: `--appendonly yes` turns
   * persistence on). Default none.
   */
  args?: string[];
}

/**
 * Redis at `url`: reused when it answers PING (and then never stopped by us), else started from the
 * machine's `redis-server` without persistence, as a child we stop on exit, with the Redis REST
 * proxy's ACL user (redis-proxy-user.ts) in it, on every start.
 */
export async function ensureRedis(
  url: string,
  log: (line: string) => void = console.log,
  { proxyUser = proxyRedisUser(), args = [] }: EnsureRedisOptions = {},
): Promise<StartedService & { process?: ChildProcess }> {
  if (await isRedisReady(url)) return { started: false, stop: async () => undefined };
  const { hostname, port } = new URL(url);
  if (!commandExists("redis-server")) {
    throw new Error(
      `Redis is not reachable at ${url} and redis-server is not installed: install Redis (e.g. apt-get install redis-server) or set REDIS_URL`,
    );
  }
  // Not answering as Redis, yet held: say by whom rather than let redis-server fail to bind.
  await assertPortFree(Number(port || 6379), hostname, "Redis");
  log(`starting redis-server on ${hostname}:${port || 6379}`);
  const child = spawn(
    "redis-server",
    [
      ...["--bind", hostname, "--port", port || "6379", "--save", "", "--appendonly", "no"],
      ...args,
      ...(acceptedProxyCommands ? proxyUserDirective(proxyUser, acceptedProxyCommands) : []),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  forwardLines(child.stdout, log);
  forwardLines(child.stderr, log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!(await isRedisReady(url))) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // On the first start, and again on every other (idempotent): the user with its current rules.
  const access = await ensureProxyRedisUser(url, { user: proxyUser, log });
  acceptedProxyCommands ??= access.commands ?? undefined;
  return {
    started: true,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
