/**
 * Transient or permanent: the consumer retries a transient database failure (the same work succeeds
 * once PostgreSQL is back or the conflict is gone) and dead-letters a permanent one (the same work
 * fails the same way). When in doubt about a lost connection, transient: wrongly dead-lettering a
 * valid request loses it, wrongly retrying only delays a partition.
 */

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

/** What `pg`, `pg-pool` and Kysely say, without a code, when a connection is lost or never came. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /connection (?:closed|ended|lost)/i,
  /driver has already been destroyed/i,
  // 55000 covers much that is not transient; this one is a database closed to connections for now.
  /is not currently accepting connections/i,
];

interface ErrorLike {
  code?: unknown;
  sqlState?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function isTransientCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  return (
    TRANSIENT_SQLSTATES.has(code) ||
    TRANSIENT_ERRNOS.has(code) ||
    (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2)))
  );
}

/** Looks through wrappers (`cause`, MikroORM's exceptions, `AggregateError` from dual-stack connects). */
export function isTransientDbError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as ErrorLike;
  if (error instanceof DatabaseError) return error.retriable;
  if (isTransientCode(e.code) || isTransientCode(e.sqlState)) return true;
  if (
    typeof e.message === "string" &&
    TRANSIENT_MESSAGES.some((re) => re.test(e.message as string))
  )
    return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientDbError(inner, depth + 1)))
    return true;
  return isTransientDbError(e.cause, depth + 1);
}

/** SQLSTATE (or socket errno) of a database failure, when it has one. */
function codeOf(error: unknown): string | undefined {
  const e = (error ?? {}) as ErrorLike;
  for (const code of [e.code, e.sqlState]) if (typeof code === "string") return code;
  return undefined;
}

/**
 * A database failure, told apart for the retry and DLT policy by `retriable`. The driver's error is
 * the `cause`; `code` is its SQLSTATE (e.g. `23514` for a check constraint) when there is one.
 */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  readonly retriable: boolean;
  readonly code: string | undefined;

  constructor(message: string, options: { retriable: boolean; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
    this.code = options.code;
  }
}

export function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseError(message, {
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
