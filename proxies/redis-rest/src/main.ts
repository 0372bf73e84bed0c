// The Upstash-compatible Redis REST proxy as a process: `node proxies/redis-rest/src/main.ts`.
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { readRedisRestConfig } from "./config.ts";
import { createRedisRestProxy } from "./server.ts";

await runServiceProcess({
  name: "Redis REST proxy",
  async start() {
    const config = readRedisRestConfig();
    const proxy = createRedisRestProxy(config);
    const url = await proxy.listen(config.port, config.host);
    const redis = config.redisUrl.replace(/\/\/[^@/]*@/, "//***@");
    return {
      readyLine: `listening on ${url}, serving ${redis} (${config.commands} commands)`,
      close: () => proxy.close(),
    };
  },
});
