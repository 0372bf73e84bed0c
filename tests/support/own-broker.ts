import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { createKafkaBroker, type KafkaBroker } from "#stack/kafka/kafka-broker.ts";
import { ensureTopics } from "#stack/kafka/kafka-topics.ts";

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port whose next port is free too: the broker's controller listens there. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

/**
 * A broker of a test's own (own port, own data), for scenarios that crash it: the shared one
 * must outlive them. `restart` brings it back on the same port with the same data.
 */
export async function startOwnBroker(name: string) {
  const dataDir = await mkdtemp(join(tmpdir(), `${name}-`));
  const port = await freePortPair();
  const create = () => createKafkaBroker({ port, dataDir, log: () => {} });
  let broker: KafkaBroker = create();
  await broker.start();
  const admin = new Kafka({
    clientId: name,
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await ensureTopics(admin);
  await admin.disconnect();
  return {
    brokers: broker.brokers,
    kill: (signal: NodeJS.Signals = "SIGKILL") => broker.kill(signal),
    async restart() {
      broker = create();
      await broker.start();
    },
    async stop() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type OwnBroker = Awaited<ReturnType<typeof startOwnBroker>>;
