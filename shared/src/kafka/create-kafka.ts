import { connect, isIP } from "node:net";
import { connect as connectTls } from "node:tls";
import { type ISocketFactory, Kafka, type KafkaConfig } from "kafkajs";
import type { Logger } from "../logging/logger.ts";
import { kafkajsLogCreator, kafkajsLogLevel } from "./kafkajs-logger.ts";
import { fixRequestQueueTimer } from "./request-queue-timer.ts";

export interface CreateKafkaOptions extends Omit<KafkaConfig, "logCreator" | "logLevel"> {
  /** Where kafkajs's lines go. */
  logger: Logger;
}

/**
 * kafkajs's own socket factory, with TCP_NODELAY: kafkajs leaves Nagle's algorithm on, so a request
 * written while an earlier one is unacknowledged (a fetch and a heartbeat, a produce behind another
 * partition's) can wait for the broker's delayed ACK, up to ~40 ms on Linux.
 */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : connect({ host, port }, onConnect);
  socket.setNoDelay(true);
  // As kafkajs does: dead connections found within a minute.
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/**
 * Every kafkajs client of the system (the workers, the control process, the Kafka REST proxy, the
 * launcher): its log lines through the process's logger, its request queue's timer corrected, and
 * TCP_NODELAY on its sockets.
 */
export function createKafka({ logger, ...config }: CreateKafkaOptions): Kafka {
  fixRequestQueueTimer();
  return new Kafka({
    socketFactory: noDelaySocketFactory,
    ...config,
    logLevel: kafkajsLogLevel(logger),
    logCreator: kafkajsLogCreator(logger),
  });
}
