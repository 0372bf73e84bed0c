import { join } from "node:path";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { DATA_DIR } from "../paths.ts";
import { createKafkaBroker, type KafkaBroker, newKafkaClusterId } from "./kafka-broker.ts";
import { ensureKafkaJars } from "./kafka-jars.ts";

export interface KafkaClusterOptions {
  host?: string;
  /** Client port of each node; node i (from 1) is `ports[i - 1]`, its controller on port + 1. */
  ports: readonly number[];
  /** Each node's data lives in `<dataDir>/node-<id>`. */
  dataDir: string;
  /** JVM heap of each node. Default 384m. */
  maxHeap?: string;
  log?: (node: number, line: string) => void;
}

/**
 * A KRaft cluster of Kafka nodes on this machine, each broker and controller (kafka-broker.ts): with
 * three, every topic gets three replicas and `min.insync.replicas=2`, so an acks=all write is on two
 * nodes before it is acknowledged and the cluster survives the loss of any one node. Nodes can be
 * killed and restarted one by one on their own data.
 */
export function createKafkaCluster({
  host = LOCAL_DEFAULTS.HOST,
  ports,
  dataDir,
  maxHeap = "384m",
  log = () => {},
}: KafkaClusterOptions) {
  const clusterId = newKafkaClusterId();
  const nodes = new Map<number, KafkaBroker>();
  const libsDir = join(DATA_DIR, "kafka", "libs");
  const create = (nodeId: number) =>
    createKafkaBroker({
      libsDir,
      host,
      port: ports[nodeId - 1] as number,
      dataDir: join(dataDir, `node-${nodeId}`),
      maxHeap,
      cluster: { nodeId, clusterId, ports },
      log: (line) => log(nodeId, line),
    });
  const ids = ports.map((_, i) => i + 1);
  const node = (nodeId: number) => {
    const found = nodes.get(nodeId);
    if (!found) throw new Error(`no Kafka node ${nodeId}: the cluster has ${ports.length}`);
    return found;
  };
  return {
    /** Bootstrap list, every node's `host:port`. */
    brokers: ports.map((port) => `${host}:${port}`),
    /** The node ids, 1 to n. */
    ids,
    /** The node id serving `host:port`. */
    nodeIdOf(address: string): number | undefined {
      const index = ports.findIndex((port) => `${host}:${port}` === address);
      return index < 0 ? undefined : index + 1;
    },
    /** Starts every node at once (a controller quorum needs a majority up) and waits for all. */
    async start(timeoutMs = 180_000): Promise<void> {
      // Once, before the nodes: three Maven runs into one directory would race.
      await ensureKafkaJars(libsDir, (line) => log(0, line));
      for (const id of ids) nodes.set(id, create(id));
      await Promise.all(ids.map((id) => node(id).start(timeoutMs)));
    },
    /** Crashes one node (SIGKILL by default) and waits until its process is gone. */
    kill: (nodeId: number, signal: NodeJS.Signals = "SIGKILL") => node(nodeId).kill(signal),
    /** Brings a node back on its data and waits until it answers. */
    async restart(nodeId: number, timeoutMs = 120_000): Promise<void> {
      const fresh = create(nodeId);
      nodes.set(nodeId, fresh);
      await fresh.start(timeoutMs);
    },
    /** Process id of a running node. */
    pid: (nodeId: number) => nodes.get(nodeId)?.pid,
    async stop(): Promise<void> {
      await Promise.all([...nodes.values()].map((broker) => broker.stop()));
    },
  };
}

export type KafkaCluster = ReturnType<typeof createKafkaCluster>;
