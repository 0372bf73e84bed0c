import {
  ConnectionException,
  ConstraintViolationException,
  DatabaseObjectExistsException,
  DatabaseObjectNotFoundException,
  DeadlockException,
  InvalidFieldNameException,
  LockWaitTimeoutException,
  NonUniqueFieldNameException,
  SyntaxErrorException,
} from "@mikro-orm/core";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";

/**
 * Transient or permanent: the consumer retries a transient database failure (the same work succeeds
 * once PostgreSQL is back or the conflict is gone) and dead-letters a permanent one (the same work
 * fails the same way). When in doubt about a lost connection, transient: wrongly dead-lettering a
 * valid request loses it, wrongly retrying only delays a partition.
 *
 * Classified by the error's type first (ours, MikroORM's exception classes, `AggregateError`), by
 * its SQLSTATE or socket errno next, and by its message last, for what the drivers raise without
 * either.
 */

/** MikroORM's exception classes that decide on their own. */
const TRANSIENT_TYPES = [ConnectionException, DeadlockException, LockWaitTimeoutException];
const PERMANENT_TYPES = [
  ConstraintViolationException,
  SyntaxErrorException,
  InvalidFieldNameException,
  NonUniqueFieldNameException,
  DatabaseObjectNotFoundException,
  DatabaseObjectExistsException,
];

/** SQLSTATE classes where every code is transient. */
const TRANSIENT_SQLSTATE_CLASSES = new Set([
  "08", // connection exception
  "53", // insufficient resources: too many connections, out of memory, disk full
]);

const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "40003", // statement_completion_unknown
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "57P01", // admin_shutdown (pg_terminate_backend, a fast shutdown)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "57P05", // idle_session_timeout
  "25P03", // idle_in_transaction_session_timeout
  "58030", // io_error
]);

/** Node socket errors: the server or the network is away. */
const TRANSIENT_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * What `pg`, `pg-pool` and Kysely (under MikroORM) say, without a code, when a connection is lost or
 * never came. Each pattern is pinned by an example in db-errors.test.ts.
 */
export const TRANSIENT_MESSAGES: readonly RegExp[] = [
  /connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /connection (?:closed|ended|lost)/i,
  /driver has already been destroyed/i,
  // 55000 covers much that is not transient; this one is a database closed to connections for now.
  /is not currently accepting connections/i,
];

function transientByType(error: object, depth: number): boolean | undefined {
  if (error instanceof DatabaseError) return error.retriable;
  if (TRANSIENT_TYPES.some((type) => error instanceof type)) return true;
  if (PERMANENT_TYPES.some((type) => error instanceof type)) return false;
  // A dual-stack connect fails once per address: transient when any of them is.
  if (error instanceof AggregateError)
    return error.errors.some((inner) => isTransientDbError(inner, depth + 1)) || undefined;
  return undefined;
}

function isTransientCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  return (
    TRANSIENT_SQLSTATES.has(code) ||
    TRANSIENT_ERRNOS.has(code) ||
    (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2)))
  );
}

/** SQLSTATE (or socket errno) of a database failure, when it has one. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  if ("code" in error && typeof error.code === "string") return error.code;
  if ("sqlState" in error && typeof error.sqlState === "string") return error.sqlState;
  return undefined;
}

/** Looks through wrappers (`cause`, MikroORM's exceptions, `AggregateError` from dual-stack connects). */
export function isTransientDbError(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const byType = transientByType(error, depth);
  if (byType !== undefined) return byType;
  if ("code" in error && isTransientCode(error.code)) return true;
  if ("sqlState" in error && isTransientCode(error.sqlState)) return true;
  if ("message" in error && typeof error.message === "string") {
    const { message } = error;
    if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return "cause" in error && isTransientDbError(error.cause, depth + 1);
}

/**
 * A database failure, told apart for the retry and DLT policy by `retriable`. The driver's error is
 * the `cause`; `code` is its SQLSTATE (e.g. `23514` for a check constraint) when there is one.
 */
export class DatabaseError extends CouponDropError {
  readonly code: string | undefined;

  constructor(message: string, options: { retriable: boolean; code?: string; cause?: unknown }) {
    super(message, { retriable: options.retriable, cause: options.cause });
    this.code = options.code;
  }
}

/** Where a database failure enters the system: the driver's error, classified, as its cause. */
export function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  return new DatabaseError(messageOf(error), {
    retriable: isTransientDbError(error),
    code: codeOf(error),
    cause: error,
  });
}

/** Runs database work so that whatever it throws is a classified `DatabaseError`. */
export async function classifyingDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDatabaseError(error);
  }
}
