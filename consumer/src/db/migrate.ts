import pg from "pg";
import { createOrm } from "./orm.ts";

/** Names the advisory lock every process migrating this database takes; any constant works if all agree. */
const MIGRATION_LOCK_KEY = 727_274;

export interface MigrateOptions {
  /** Where the names of applied migrations are reported. Default `console.log`. */
  log?: (message: string) => void;
}

/**
 * Brings the schema up to date: applies the migrations not yet recorded, and nothing when none are.
 * Several processes may call it at once (every `npm start`, the test setup): an advisory lock makes
 * the others wait and then find nothing left to do. The lock is held on a connection of its own, so
 * it lasts exactly as long as the migrations, whatever the ORM's pool does with its connections.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  const lock = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  // A dropped idle connection emits 'error'; unheard, that would take the whole process down.
  lock.on("error", () => undefined);
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    // No statement timeout: building an index on a large table may rightly take longer than a batch.
    const orm = await createOrm({
      databaseUrl,
      poolSize: 1,
      statementTimeoutMs: 0,
      log: options.log,
    });
    try {
      await orm.migrator.up();
    } finally {
      await orm.close();
    }
  } finally {
    // Ending the session releases the lock, also when the migrations failed.
    await lock.end().catch(() => undefined);
  }
}

if (import.meta.main) {
  const { LOCAL_DEFAULTS } = await import("#shared/defaults.ts");
  await migrate(process.env.DATABASE_URL ?? LOCAL_DEFAULTS.DATABASE_URL);
  console.log("migrations applied");
}
