// The Upstash-compatible Redis REST proxy as a process: `node proxies/redis-rest/src/main.ts`.
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { formatClusterNodes } from "#shared/redis/redis-endpoint.ts";
import { readRedisRestConfig } from "./config.ts";
import { createRedisRestProxy } from "./server.ts";

await runServiceProcess({
  name: "Redis REST proxy",
  readConfig: () => readRedisRestConfig(),
  async start(config, logger) {
    const proxy = createRedisRestProxy({ ...config, logger });
    const listening = await proxy.listen(config.port, config.host);
    const url = config.redisUrl.replace(/\/\/[^@/]*@/, "//***@");
    const redis =
      config.redisClusterNodes.length === 0
        ? url
        : `the Redis Cluster at ${formatClusterNodes(config.redisClusterNodes)} (as ${url})`;
    return {
      readyLine: `listening on ${listening}, serving ${redis} (${config.commands} commands)`,
      close: () => proxy.close(),
    };
  },
});
