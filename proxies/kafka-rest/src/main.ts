// The Upstash-compatible Kafka REST proxy as a process: `node proxies/kafka-rest/src/main.ts`.
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { readKafkaRestConfig } from "./config.ts";
import { createKafkaRestProxy } from "./server.ts";

await runServiceProcess({
  name: "Kafka REST proxy",
  readConfig: () => readKafkaRestConfig(),
  async start(config, logger) {
    const proxy = createKafkaRestProxy({ ...config, logger });
    const url = await proxy.listen(config.port, config.host);
    return {
      readyLine: `listening on ${url}, producing to ${config.brokers.join(",")} (topics ${config.topics.join(", ")})`,
      close: () => proxy.close(),
    };
  },
});
