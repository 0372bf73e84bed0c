import { Migrator } from "@mikro-orm/migrations";
import { MikroORM } from "@mikro-orm/postgresql";
import { CONSUMER_DEFAULTS } from "#shared/defaults.ts";
import { Coupon } from "./entities/coupon.ts";
import { DeadLetter } from "./entities/dead-letter.ts";
import { IssueFailure } from "./entities/issue-failure.ts";
import { UserCoupon } from "./entities/user-coupon.ts";
import { MIGRATIONS } from "./migrations/migration-list.ts";
import { releaseDeadConnections } from "./release-dead-connections.ts";

export interface OrmOptions {
  databaseUrl: string;
  /**
   * Connections per process. A worker runs one transaction per partition it owns at a time, so a few
   * suffice, and 3-5 processes of 5 stay far below PostgreSQL's default 100 connections. Default
   * `CONSUMER_DEFAULTS.databasePoolSize`.
   */
  poolSize?: number;
  /** Shown in `pg_stat_activity`, to tell the processes apart. Default `coupon-consumer`. */
  applicationName?: string;
  /** A statement running longer is cancelled by PostgreSQL (a retriable error); 0 = never. Default 30 s. */
  statementTimeoutMs?: number;
  /**
   * Waiting longer for a row lock (a coupon another transaction holds) fails the statement, retriably,
   * instead of stalling the partition behind a stuck transaction. Default 10 s.
   */
  lockTimeoutMs?: number;
  /**
   * A transaction left idle this long (its process hung mid-batch) is ended by PostgreSQL, releasing
   * the coupon locks it holds. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
  /** Giving up on opening a connection after this long surfaces a retriable error. Default 5 s. */
  connectTimeoutMs?: number;
  /** Where MikroORM's own messages go (migrations applied, pool errors). Default `console.log`. */
  log?: (message: string) => void;
}

/**
 * MikroORM on PostgreSQL. There is no global context: every unit of work runs on `orm.em.fork()`.
 * The schema is never synced: it comes from the migrations, listed in code (see `migrate`).
 */
export async function createOrm({
  databaseUrl,
  poolSize = CONSUMER_DEFAULTS.databasePoolSize,
  applicationName = "coupon-consumer",
  statementTimeoutMs = 30_000,
  lockTimeoutMs = 10_000,
  idleInTransactionTimeoutMs = 60_000,
  connectTimeoutMs = 5_000,
  log = console.log,
}: OrmOptions): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: databaseUrl,
    entities: [Coupon, UserCoupon, IssueFailure, DeadLetter],
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    pool: { min: 0, max: poolSize },
    // Passed through to the `pg` pool: server-side timeouts set once per connection.
    driverOptions: {
      application_name: applicationName,
      statement_timeout: statementTimeoutMs,
      lock_timeout: lockTimeoutMs,
      idle_in_transaction_session_timeout: idleInTransactionTimeoutMs,
      connectionTimeoutMillis: connectTimeoutMs,
      // A connection that dies inside a transaction would otherwise never be released (see there).
      onPoolCreated: releaseDeadConnections,
    },
    allowGlobalContext: false,
    debug: false,
    logger: log,
    ensureDatabase: false,
  });
}
