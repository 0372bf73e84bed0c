import { Kafka, type KafkaConfig } from "kafkajs";
import type { Logger } from "../logging/logger.ts";
import { kafkajsLogCreator, kafkajsLogLevel } from "./kafkajs-logger.ts";
import { fixRequestQueueTimer } from "./request-queue-timer.ts";

export interface CreateKafkaOptions extends Omit<KafkaConfig, "logCreator" | "logLevel"> {
  /** Where kafkajs's lines go. */
  logger: Logger;
}

/**
 * Every kafkajs client of the system (the workers, the control process, the Kafka REST proxy, the
 * launcher): its log lines through the process's logger, and its request queue's timer corrected.
 */
export function createKafka({ logger, ...config }: CreateKafkaOptions): Kafka {
  fixRequestQueueTimer();
  return new Kafka({
    ...config,
    logLevel: kafkajsLogLevel(logger),
    logCreator: kafkajsLogCreator(logger),
  });
}
