import { type Redis, ReplyError } from "ioredis";
import { BackendUnavailableError, HttpError } from "#shared/http-kit/http-error.ts";
import { type CommandArgument, refusal } from "./command-policy.ts";
import { toRedisArguments } from "./command-request.ts";
import { createReadinessGate } from "./redis-connection.ts";
import { type EncodedReply, encodeReply } from "./reply-encoding.ts";

export interface CommandExecutorOptions {
  /** The command connection (fail-fast, see redis-connection.ts). */
  redis: Redis;
  /** While (re)connecting, how long a command waits for the connection before a 503. Default 1 s. */
  readyWaitMs?: number;
}

/** One item of a `/pipeline` or `/multi-exec` answer. */
export type ItemResult = { result: EncodedReply } | { error: string };

type Command = readonly CommandArgument[];

/** An error Redis answered (ioredis types its class as `any`). */
function isReplyError(error: unknown): error is Error & { previousErrors?: Error[] } {
  return error instanceof (ReplyError as new () => Error);
}

/**
 * A reply from Redis (ReplyError) is the caller's business; anything else (connection refused or
 * lost, command timed out) means Redis is unreachable: 503, and ioredis reconnects by itself.
 */
function unavailable(error: unknown): BackendUnavailableError {
  return new BackendUnavailableError(
    `Redis is unavailable (${(error as Error)?.message ?? String(error)}); try again shortly`,
  );
}

/**
 * Runs commands the way the Upstash REST dialect defines them, on one shared connection (the
 * commands it serves are neither blocking nor stateful, so callers cannot disturb each other).
 * Replies are read as Buffers so base64 encodes the bytes Redis holds, not a UTF-8 guess.
 */
export function createCommandExecutor({ redis, readyWaitMs = 1000 }: CommandExecutorOptions) {
  const isReady = createReadinessGate(redis, readyWaitMs);
  async function whenConnected(): Promise<void> {
    if (!(await isReady())) throw unavailable(new Error(`connection is ${redis.status}`));
  }

  return {
    /** `/`: one command. A Redis error or a refused command is a 400 with Redis's message. */
    async one(command: Command, base64: boolean): Promise<EncodedReply> {
      const refused = refusal(command);
      if (refused) throw new HttpError(400, refused);
      await whenConnected();
      const { name, args } = toRedisArguments(command);
      try {
        return encodeReply(await redis.callBuffer(name, ...args), base64);
      } catch (error) {
        if (isReplyError(error)) throw new HttpError(400, error.message);
        throw unavailable(error);
      }
    },

    /**
     * `/pipeline`: commands in order, not atomic; each item answers for itself, so a refused or
     * failing command is an `{error}` in its place and the others still run.
     */
    async pipeline(commands: Command[], base64: boolean): Promise<ItemResult[]> {
      await whenConnected();
      const pipeline = redis.pipeline();
      const refusals = commands.map(refusal);
      commands.forEach((command, index) => {
        if (refusals[index]) return;
        const { name, args } = toRedisArguments(command);
        pipeline.callBuffer(name, ...args);
      });
      const replies =
        pipeline.length === 0
          ? []
          : await pipeline.exec().catch((error: unknown) => {
              throw unavailable(error);
            });
      let next = 0;
      return commands.map((_, index) => {
        const refused = refusals[index];
        if (refused) return { error: refused };
        const [error, reply] = replies?.[next++] ?? [new Error("no reply")];
        if (error && !isReplyError(error)) throw unavailable(error);
        return error ? { error: error.message } : { result: encodeReply(reply, base64) };
      });
    },

    /**
     * `/multi-exec`: a real MULTI/EXEC. A refused command refuses the whole transaction before
     * anything runs; a command Redis rejects while queueing aborts it (EXECABORT); both are a 400.
     * Errors while executing (INCR on a string) are items, as Redis reports them.
     */
    async transaction(commands: Command[], base64: boolean): Promise<ItemResult[]> {
      for (const command of commands) {
        const refused = refusal(command);
        if (refused) throw new HttpError(400, `${refused}; the transaction was not run`);
      }
      await whenConnected();
      const transaction = redis.multi();
      for (const command of commands) {
        const { name, args } = toRedisArguments(command);
        transaction.callBuffer(name, ...args);
      }
      let replies: Array<[Error | null, unknown]> | null;
      try {
        replies = await transaction.exec();
      } catch (error) {
        if (isReplyError(error)) throw new HttpError(400, abortMessage(error));
        throw unavailable(error);
      }
      // Only WATCH makes EXEC answer nil, and WATCH is not served; a discard is still a failure.
      if (replies === null) throw new HttpError(409, "ERR transaction discarded by Redis");
      return replies.map(([error, reply]) => {
        if (error && !isReplyError(error)) throw unavailable(error);
        return error ? { error: error.message } : { result: encodeReply(reply, base64) };
      });
    },
  };
}

/** EXECABORT says only "previous errors"; name the first one so the caller can fix it. */
function abortMessage(error: Error & { previousErrors?: Error[] }): string {
  const previous = error.previousErrors?.[0];
  return previous ? `${error.message} First error: ${previous.message}` : error.message;
}

export type CommandExecutor = ReturnType<typeof createCommandExecutor>;
