import { ReplyError } from "ioredis";
import { REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { BackendUnavailableError, HttpError } from "#shared/http-kit/http-error.ts";
import { type IoredisClient, isCluster, primariesOf } from "#shared/redis/ioredis-client.ts";
import { type CommandArgument, type CommandPolicy, createCommandPolicy } from "./command-policy.ts";
import { toRedisArguments } from "./command-request.ts";
import { createReadinessGate } from "./redis-connection.ts";
import { type EncodedReply, encodeReply } from "./reply-encoding.ts";

export interface CommandExecutorOptions {
  /** The command connection, one Redis or a cluster (fail-fast, see redis-connection.ts). */
  redis: IoredisClient;
  /** While (re)connecting, how long a command waits for the connection before a 503. Default 1 s. */
  readyWaitMs?: number;
  /** What is served. Default: the `project` profile. */
  policy?: CommandPolicy;
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
    `Redis is unavailable (${messageOf(error)}); try again shortly`,
  );
}

/**
 * Runs commands the way the Upstash REST dialect defines them, on one shared connection (the
 * commands it serves are neither blocking nor stateful, so callers cannot disturb each other).
 * Replies are read as Buffers so base64 encodes the bytes Redis holds, not a UTF-8 guess.
 */
export function createCommandExecutor({
  redis,
  readyWaitMs = REDIS_REST_DEFAULTS.readyWaitMs,
  policy = createCommandPolicy(),
}: CommandExecutorOptions) {
  const isReady = createReadinessGate(redis, readyWaitMs);
  async function whenConnected(): Promise<void> {
    if (!(await isReady())) throw unavailable(new Error(`connection is ${redis.status}`));
  }

  // Scripts run by SHA only, so Redis must hold them: loaded on every (re)connect, on every
  // primary of a cluster, and again when a Redis answers NOSCRIPT (its script cache was flushed, it
  // restarted between two commands, or it is a replica a failover just promoted).
  const loadScripts = () =>
    Promise.all(
      primariesOf(redis).flatMap((node) =>
        policy.scripts.map((s) => node.script("LOAD", s.source)),
      ),
    ).catch(() => undefined);
  redis.on("ready", () => void loadScripts());

  /**
   * The command again as EVAL of the script's source, when a Redis did not know a project script:
   * EVAL goes where the EVALSHA went (its keys' node, on a cluster) and leaves the script cached.
   */
  async function retryAfterNoScript(command: Command, error: unknown): Promise<unknown> {
    const withSource = evalOfSource(command);
    if (!isReplyError(error) || !/^NOSCRIPT/i.test(error.message) || !withSource) throw error;
    const { name, args } = toRedisArguments(withSource);
    return redis.callBuffer(name, ...args);
  }

  /** An EVALSHA (or EVALSHA_RO) of a project script as EVAL of its source; undefined otherwise. */
  function evalOfSource(command: Command): Command | undefined {
    const [name, sha1, ...rest] = command;
    const source = /^evalsha/i.test(String(name)) && policy.scriptSource(String(sha1));
    return source ? [String(name).replace(/sha/i, ""), source, ...rest] : undefined;
  }

  /**
   * Independent commands in order, each answered as `[error, reply]`. One Redis takes them as one
   * pipeline; a cluster cannot (a pipeline's keys must live on one node), so each goes to its own
   * slot's primary, all of them at once.
   */
  function runIndependently(commands: Command[]): Promise<Array<[Error | null, unknown]> | null> {
    if (isCluster(redis)) {
      return Promise.all(
        commands.map((command) => {
          const { name, args } = toRedisArguments(command);
          return redis.callBuffer(name, ...args).then(
            (reply): [Error | null, unknown] => [null, reply],
            (error: unknown): [Error | null, unknown] => [error as Error, undefined],
          );
        }),
      );
    }
    const pipeline = redis.pipeline();
    for (const command of commands) {
      const { name, args } = toRedisArguments(command);
      pipeline.callBuffer(name, ...args);
    }
    return pipeline.exec();
  }

  /** The command to run, or a 400 with the reason it is refused. */
  function allowed(command: Command): Command {
    const checked = policy.check(command);
    if ("refused" in checked) throw new HttpError(400, checked.refused);
    return checked.command;
  }

  return {
    /** `/`: one command. A Redis error or a refused command is a 400 with Redis's message. */
    async one(requested: Command, base64: boolean): Promise<EncodedReply> {
      const command = allowed(requested);
      await whenConnected();
      const { name, args } = toRedisArguments(command);
      try {
        const reply = await redis
          .callBuffer(name, ...args)
          .catch((error: unknown) => retryAfterNoScript(command, error));
        return encodeReply(reply, base64);
      } catch (error) {
        if (isReplyError(error)) throw new HttpError(400, error.message);
        throw unavailable(error);
      }
    },

    /**
     * `/pipeline`: commands in order, not atomic; each item answers for itself, so a refused or
     * failing command is an `{error}` in its place and the others still run.
     */
    async pipeline(requested: Command[], base64: boolean): Promise<ItemResult[]> {
      await whenConnected();
      const checked = requested.map((command) => policy.check(command));
      const runnable = checked.flatMap((item) => ("refused" in item ? [] : [item.command]));
      const replies =
        runnable.length === 0
          ? []
          : await runIndependently(runnable).catch((error: unknown) => {
              throw unavailable(error);
            });
      let next = 0;
      // A project script Redis did not know runs again once loaded, after the pipeline's other
      // items: a pipeline is not atomic, and each script is atomic on its own.
      return Promise.all(
        checked.map(async (item): Promise<ItemResult> => {
          if ("refused" in item) return { error: item.refused };
          let [error, reply] = replies?.[next++] ?? [new Error("no reply")];
          if (error && isReplyError(error) && /^NOSCRIPT/i.test(error.message)) {
            try {
              [error, reply] = [null, await retryAfterNoScript(item.command, error)];
            } catch (retried) {
              error = retried instanceof Error ? retried : new Error(String(retried));
            }
          }
          if (error && !isReplyError(error)) throw unavailable(error);
          return error ? { error: error.message } : { result: encodeReply(reply, base64) };
        }),
      );
    },

    /**
     * `/multi-exec`: a real MULTI/EXEC. A refused command refuses the whole transaction before
     * anything runs; a command Redis rejects while queueing aborts it (EXECABORT); both are a 400.
     * Errors while executing (INCR on a string) are items, as Redis reports them.
     */
    async transaction(requested: Command[], base64: boolean): Promise<ItemResult[]> {
      const commands = requested.map((command) => {
        const checked = policy.check(command);
        if ("refused" in checked)
          throw new HttpError(400, `${checked.refused}; the transaction was not run`);
        // NOSCRIPT cannot be retried inside MULTI without breaking atomicity: send the source.
        return evalOfSource(checked.command) ?? checked.command;
      });
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
