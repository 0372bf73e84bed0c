import { errors, type Redis } from "@upstash/redis";
import { type CoalescerOptions, createCoalescer } from "#shared/coalescer.ts";

/** An Upstash pipeline, as `redis.pipeline()` makes it. */
export type UpstashPipeline = ReturnType<Redis["pipeline"]>;

/** Adds one command to a pipeline (`(p) => p.evalsha(...)`); its reply is the command's answer. */
export type PipelinedCommand = (pipeline: UpstashPipeline) => void;

export interface RedisPipelineOptions
  extends Pick<CoalescerOptions<PipelinedCommand, unknown>, "maxBatch" | "maxInFlight"> {
  redis: Redis;
}

/**
 * The presses' Redis commands, coalesced across requests into `/pipeline` calls (shared/src/coalescer.ts):
 * each request arrives in its own tick, so `@upstash/redis`'s auto-pipelining, which merges only
 * the commands of one tick, sends one command per HTTP call. A pipeline is not atomic and answers
 * per command, so one press's failing command fails only that press; a call that fails as a whole
 * (the proxy unreachable, or answering 503) fails every press in it, each of which then retries or
 * undoes on its own.
 *
 * Errors are `@upstash/redis`'s own (an item's is `UpstashError("Command failed: ...")`, as the
 * client throws for a single command), so callers classify them exactly as before (redis-unreachable.ts).
 */
export function createRedisPipeline({ redis, maxBatch, maxInFlight }: RedisPipelineOptions) {
  const coalescer = createCoalescer<PipelinedCommand, unknown>({
    maxBatch,
    maxInFlight,
    send: async (commands) => {
      const pipeline = redis.pipeline();
      for (const add of commands) add(pipeline);
      const replies = await pipeline.exec({ keepErrors: true });
      return replies.map(({ error, result }) =>
        error
          ? { ok: false, error: new errors.UpstashError(`Command failed: ${error}`) }
          : { ok: true, value: result },
      );
    },
  });
  return {
    /** Runs one command in the next pipeline; its reply, or its own error. */
    run: (command: PipelinedCommand): Promise<unknown> => coalescer.submit(command),
  };
}

export type RedisPipeline = ReturnType<typeof createRedisPipeline>;
