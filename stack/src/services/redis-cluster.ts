import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";
import { forwardLines } from "../supervisor/line-forwarder.ts";
import { commandExists } from "./command-exists.ts";
import { isRedisReady } from "./redis-server.ts";

export interface RedisClusterOptions {
  host?: string;
  /** Primaries; each gets `replicasPerPrimary` replicas. Default 3. */
  primaries?: number;
  /** Default 1. */
  replicasPerPrimary?: number;
  /** Client port of the first node; the others follow (cluster bus: port + 10000). */
  firstPort: number;
  /** Each node's cluster config lives in `<dataDir>/<port>`. */
  dataDir: string;
  /**
   * How long a node may be unreachable before the cluster fails it over to a replica. Default
   * 2000 ms (Redis's own is 15 s): a failover within seconds.
   */
  nodeTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A node as `CLUSTER NODES` shows it. */
export interface RedisClusterNode extends ClusterNode {
  id: string;
  role: "primary" | "replica";
  /** The primary's id, for a replica. */
  primaryId?: string;
  /** Slot ranges `[first, last]` of a primary. */
  slots: Array<[number, number]>;
}

/** Reads `CLUSTER NODES` (id, `host:port@bus`, flags, primary id, ..., slot ranges). */
export function parseClusterNodesListing(listing: string): RedisClusterNode[] {
  return listing
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [id = "", address = "", flags = "", primaryId = "-", , , , , ...slots] =
        line.split(" ");
      const hostPort = address.split("@")[0] as string;
      const at = hostPort.lastIndexOf(":");
      return {
        id,
        host: hostPort.slice(0, at),
        port: Number(hostPort.slice(at + 1)),
        role: flags.includes("master") ? ("primary" as const) : ("replica" as const),
        ...(primaryId === "-" ? {} : { primaryId }),
        slots: slots
          .filter((range) => /^\d/.test(range))
          .map((range) => {
            const [first, last = first] = range.split("-").map(Number);
            return [first, last] as [number, number];
          }),
        failed: /fail/.test(flags),
      };
    })
    .filter((node) => !node.failed)
    .map(({ failed: _, ...node }) => node);
}

/**
 * A Redis Cluster on this machine from the machine's `redis-server` in cluster mode: `primaries`
 * primaries with `replicasPerPrimary` replicas each, made with `redis-cli --cluster create`, without
 * persistence (a node killed and restarted comes back empty and rejoins as a replica of whichever
 * node took over its slots). Nodes can be killed and restarted one by one.
 */
export function createRedisCluster({
  host = LOCAL_DEFAULTS.HOST,
  primaries = 3,
  replicasPerPrimary = 1,
  firstPort,
  dataDir,
  nodeTimeoutMs = 2000,
  log = () => {},
}: RedisClusterOptions) {
  const ports = Array.from(
    { length: primaries * (1 + replicasPerPrimary) },
    (_, i) => firstPort + i,
  );
  const children = new Map<number, { child: ChildProcess; exited: Promise<void> }>();
  const urlOf = (port: number) => `redis://${host}:${port}`;

  async function startNode(port: number): Promise<void> {
    const dir = join(dataDir, String(port));
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      "redis-server",
      [
        ...["--bind", host, "--port", String(port), "--dir", dir],
        ...["--save", "", "--appendonly", "no"],
        ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
        ...["--cluster-node-timeout", String(nodeTimeoutMs)],
        // The other shards keep serving while one has no primary (during its failover).
        ...["--cluster-require-full-coverage", "no"],
      ],
      { stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    forwardLines(child.stdout, (line) => log(`${port}: ${line}`));
    forwardLines(child.stderr, (line) => log(`${port}: ${line}`));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    children.set(port, { child, exited });
    const deadline = Date.now() + 15_000;
    while (!(await isRedisReady(urlOf(port)))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server (cluster node) did not start on ${host}:${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** `CLUSTER NODES` as one node sees it. */
  async function nodesSeenBy(port: number): Promise<RedisClusterNode[]> {
    const redis = new Redis(urlOf(port), { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => undefined);
    try {
      return parseClusterNodesListing(String(await redis.call("CLUSTER", "NODES")));
    } finally {
      redis.disconnect();
    }
  }

  async function clusterState(port: number): Promise<string> {
    const redis = new Redis(urlOf(port), { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => undefined);
    try {
      const info = String(await redis.call("CLUSTER", "INFO"));
      return /cluster_state:(\w+)/.exec(info)?.[1] ?? "unknown";
    } catch {
      return "unreachable";
    } finally {
      redis.disconnect();
    }
  }

  const running = () =>
    ports.filter((port) => {
      const child = children.get(port)?.child;
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    });

  return {
    host,
    ports,
    /** Seed nodes for REDIS_CLUSTER_NODES: every node. */
    nodes: ports.map((port): ClusterNode => ({ host, port })),
    /** The URL of one node (a plain connection to it, no cluster client). */
    urlOf,
    /** Starts every node, makes the cluster, and waits until every node says it is ok. */
    async start(timeoutMs = 60_000): Promise<void> {
      if (!commandExists("redis-server") || !commandExists("redis-cli"))
        throw new Error("a Redis Cluster needs redis-server and redis-cli (apt-get install redis)");
      await Promise.all(ports.map(startNode));
      const created = spawnSync(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...ports.map((port) => `${host}:${port}`),
          "--cluster-replicas",
          String(replicasPerPrimary),
          "--cluster-yes",
        ],
        { encoding: "utf8" },
      );
      if (created.status !== 0)
        throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
      await this.waitUntilHealthy(timeoutMs);
    },
    /**
     * Waits until every running node says the cluster is ok and sees `primaries` primaries, each
     * with a replica (after a failover: the restarted node has rejoined as one).
     */
    async waitUntilHealthy(timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(running().map(clusterState));
        const nodes = await nodesSeenBy(running()[0] as number).catch(() => []);
        const primaryCount = nodes.filter((n) => n.role === "primary" && n.slots.length > 0).length;
        const replicaCount = nodes.filter((n) => n.role === "replica").length;
        if (
          states.every((state) => state === "ok") &&
          primaryCount === primaries &&
          replicaCount === primaries * replicasPerPrimary
        )
          return;
        if (Date.now() > deadline)
          throw new Error(
            `Redis Cluster not healthy within ${timeoutMs} ms: states ${states.join(",")}, ` +
              `${primaryCount} primaries, ${replicaCount} replicas`,
          );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    /** Every live node as one running node sees the cluster. */
    async topology(): Promise<RedisClusterNode[]> {
      return nodesSeenBy(running()[0] as number);
    },
    /** The primary serving `slot`. */
    async primaryOf(slot: number): Promise<RedisClusterNode> {
      const found = (await this.topology()).find(
        (node) =>
          node.role === "primary" &&
          node.slots.some(([first, last]) => slot >= first && slot <= last),
      );
      if (!found) throw new Error(`no primary serves slot ${slot}`);
      return found;
    },
    /** Crashes one node (SIGKILL by default) and waits until its process is gone. */
    async kill(port: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
      const node = children.get(port);
      if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
      node.child.kill(signal);
      await node.exited;
    },
    /** Starts a node again (on its cluster config: it rejoins the cluster it was part of). */
    restart: (port: number) => startNode(port),
    async stop(): Promise<void> {
      await Promise.all(
        [...children.values()].map(async ({ child, exited }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          await exited;
        }),
      );
    },
  };
}

export type RedisCluster = ReturnType<typeof createRedisCluster>;
