import { ensureRedis, type StartedService } from "#stack/services/redis-server.ts";
import { freePort } from "./system.ts";

export interface PrivateRedis {
  url: string;
  /** Starts redis-server on the port (again, after a stop) and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it and waits until it is gone. */
  stop(): Promise<void>;
}

/**
 * A Redis of the test's own on a free port, which it may stop and start at will: the machine's
 * Redis is never touched. Started by the same code as `npm start`'s (no persistence).
 */
export async function privateRedis(): Promise<PrivateRedis> {
  const url = `redis://127.0.0.1:${await freePort()}`;
  let running: StartedService | undefined;
  return {
    url,
    async start() {
      running = await ensureRedis(url, () => {});
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}
