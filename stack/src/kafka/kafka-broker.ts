import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { DATA_DIR, REPO_ROOT } from "../paths.ts";
import { forwardLines } from "../supervisor/line-forwarder.ts";
import { ensureKafkaJars } from "./kafka-jars.ts";
import { waitForKafka } from "./kafka-probe.ts";

export interface KafkaBrokerOptions {
  host?: string;
  /** Client port; the KRaft controller listens on port + 1. Default 9092. */
  port?: number;
  /** Log dirs and config of this broker. Default `.data/kafka/broker-<port>`. */
  dataDir?: string;
  /** Shared jar cache. Default `.data/kafka/libs`. */
  libsDir?: string;
  /** JVM heap. Default 512m (128m initial): enough for a test broker on 2 cores. */
  maxHeap?: string;
  /**
   * Membership of a cluster of such nodes (kafka-cluster.ts): this node's id, the cluster's id and
   * every node's client port. Default: a cluster of this one node.
   */
  cluster?: KafkaClusterMembership;
  log?: (line: string) => void;
}

/** One node of a KRaft cluster whose nodes are each broker and controller (kafka-cluster.ts). */
export interface KafkaClusterMembership {
  /** This node's `node.id`: its position in `ports`, from 1. */
  nodeId: number;
  /** Shared by every node (storage is formatted with it). */
  clusterId: string;
  /** Every node's client port, node i at `ports[i - 1]`; each one's controller listens on port + 1. */
  ports: readonly number[];
}

/**
 * What a cluster of more than one node changes: every node votes for the controller, the internal
 * topics get three replicas, a topic without a replication factor of its own gets three, and a
 * write acknowledged to an acks=all producer is on at least two nodes. Failures are noticed within
 * seconds (the defaults take 9 s), and leadership goes back to a restarted node soon after it
 * returns, so partitions stay spread over the nodes.
 */
function clusterProperties(host: string, cluster: KafkaClusterMembership): string[] {
  const replicas = Math.min(3, cluster.ports.length);
  return [
    `node.id=${cluster.nodeId}`,
    `controller.quorum.voters=${cluster.ports.map((p, i) => `${i + 1}@${host}:${p + 1}`).join(",")}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${Math.min(2, replicas)}`,
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${Math.min(2, replicas)}`,
    "broker.session.timeout.ms=4000",
    "broker.heartbeat.interval.ms=1000",
    "leader.imbalance.check.interval.seconds=5",
    "unclean.leader.election.enable=false",
  ];
}

/**
 * A single node: the internal topics cannot have more replicas than brokers, or consumer groups
 * fail with "group coordinator not available".
 */
const SINGLE_NODE_PROPERTIES = [
  "node.id=1",
  "offsets.topic.replication.factor=1",
  "transaction.state.log.replication.factor=1",
  "transaction.state.log.min.isr=1",
];

function serverProperties(
  host: string,
  port: number,
  logDir: string,
  cluster?: KafkaClusterMembership,
): string {
  return [
    "process.roles=broker,controller",
    ...(cluster
      ? clusterProperties(host, cluster)
      : [...SINGLE_NODE_PROPERTIES, `controller.quorum.voters=1@${host}:${port + 1}`]),
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${port + 1}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    `log.dirs=${logDir}`,
    "num.partitions=3",
    "offsets.topic.num.partitions=3",
    // Made on an idempotent producer's first InitProducerId: 50 partitions (the default) take long
    // to create on a small machine, three replicas each on a cluster.
    "transaction.state.log.num.partitions=3",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=false",
    "log.retention.hours=168",
    // Durable on acknowledgement even when the machine loses power: each produce request is on
    // disk before it is acknowledged (a kill -9 of the broker alone loses nothing either way: the
    // page cache outlives it). What each setting loses: README, "Durability of the broker".
    "log.flush.interval.messages=1",
    "",
  ].join("\n");
}

/**
 * An Apache Kafka 3.9.1 node in KRaft mode (broker + controller), run from Apache's own jars with
 * the machine's JDK: a single-node cluster, or one node of several (`cluster`, kafka-cluster.ts).
 * Restartable on the same data (the fault suites kill it -9).
 */
export function createKafkaBroker({
  host = LOCAL_DEFAULTS.HOST,
  port = 9092,
  dataDir = join(DATA_DIR, "kafka", `broker-${port}`),
  libsDir = join(DATA_DIR, "kafka", "libs"),
  maxHeap = "512m",
  cluster,
  log = console.log,
}: KafkaBrokerOptions = {}) {
  const brokers = [`${host}:${port}`];
  const configFile = join(dataDir, "server.properties");
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  function java(args: string[]): string[] {
    return [
      `-Xms128m`,
      `-Xmx${maxHeap}`,
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Djava.awt.headless=true",
      `-Dlog4j.configuration=file:${join(REPO_ROOT, "stack", "kafka", "log4j.properties")}`,
      "-cp",
      `${libsDir}/*`,
      ...args,
    ];
  }

  function prepare(): void {
    mkdirSync(join(dataDir, "logs"), { recursive: true });
    writeFileSync(configFile, serverProperties(host, port, join(dataDir, "logs"), cluster));
    const idFile = join(dataDir, "cluster-id");
    if (cluster) writeFileSync(idFile, cluster.clusterId);
    else if (!existsSync(idFile)) {
      writeFileSync(idFile, newKafkaClusterId());
    }
    const clusterId = readFileSync(idFile, "utf8").trim();
    const format = spawnSync(
      "java",
      java([
        "kafka.tools.StorageTool",
        "format",
        // One argument, `--cluster-id=<id>`: an id may start with "-" (base64url), which the
        // tool's parser would take for an option if it came as an argument of its own.
        `--cluster-id=${clusterId}`,
        "-c",
        configFile,
        "--ignore-formatted",
      ]),
      { encoding: "utf8" },
    );
    if (format.error)
      throw new Error(`cannot run java (${format.error.message}): install a JDK 17+`);
    if (format.status !== 0)
      throw new Error(`formatting Kafka storage failed:\n${format.stderr}${format.stdout}`);
  }

  return {
    brokers,
    get pid(): number | undefined {
      return child && isAlive(child) ? child.pid : undefined;
    },
    /** Starts the broker (resolving jars and formatting storage the first time) and waits until ready. */
    async start(timeoutMs = 90_000): Promise<void> {
      if (child && isAlive(child)) return;
      await ensureKafkaJars(libsDir, log);
      prepare();
      const process_ = spawn("java", java(["kafka.Kafka", configFile]), {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      child = process_;
      forwardLines(process_.stdout, log);
      forwardLines(process_.stderr, log);
      exited = new Promise((resolve) => process_.once("exit", () => resolve()));
      await waitForKafka(brokers, timeoutMs, () => isAlive(process_));
    },
    /** Clean shutdown: SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000): Promise<void> {
      const running = child;
      if (!running || !isAlive(running)) return;
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    /** Sends a signal (SIGKILL for a crash) and waits for the process to be gone. */
    async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
      const running = child;
      if (!running || !isAlive(running)) return;
      running.kill(signal);
      await exited;
    },
  };
}

/** A Kafka cluster id: 16 bytes, URL-safe base64 without padding. */
export function newKafkaClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ""), "hex").toString("base64url");
}

/** After a signal, `exitCode` stays null and `signalCode` is set: both must be null while it runs. */
function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export type KafkaBroker = ReturnType<typeof createKafkaBroker>;
