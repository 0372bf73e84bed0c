import pg from "pg";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";

export interface TemporaryDatabase {
  /** A `DATABASE_URL` for the new, empty database. */
  url: string;
  /** Opens or closes it to new connections (ALLOW_CONNECTIONS), as an outage would. */
  acceptConnections(accept: boolean): Promise<void>;
  /** Drops it, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

async function onMaintenanceDatabase(serverUrl: string, sql: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A database of the test's own on the server the run uses (`DATABASE_URL`, else the local default),
 * with a random name, so tests neither see each other's rows nor depend on order.
 */
export async function createTemporaryDatabase(
  serverUrl: string = process.env.DATABASE_URL ?? LOCAL_DEFAULTS.DATABASE_URL,
): Promise<TemporaryDatabase> {
  const name = `coupon_db_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await onMaintenanceDatabase(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    acceptConnections: (accept) =>
      onMaintenanceDatabase(serverUrl, `ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${accept}`),
    drop: () => onMaintenanceDatabase(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
