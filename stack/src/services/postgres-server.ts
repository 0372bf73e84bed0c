import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import pg from "pg";
import { commandExists } from "./command-exists.ts";
import type { StartedService } from "./redis-server.ts";

function adminUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = "/postgres";
  return url.toString();
}

export async function isPostgresReady(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: adminUrl(databaseUrl),
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL at `databaseUrl`: reused when it answers, else the machine's cluster is started with
 * pg_ctlcluster (and stopped again on exit, since we started it).
 */
export async function ensurePostgres(
  databaseUrl: string,
  log: (line: string) => void = console.log,
): Promise<StartedService> {
  if (await isPostgresReady(databaseUrl)) return { started: false, stop: async () => undefined };
  const versions = commandExists("pg_ctlcluster") ? readdirSync("/etc/postgresql").sort() : [];
  const version = versions.at(-1);
  if (!version) {
    throw new Error(
      `PostgreSQL is not reachable at ${databaseUrl} and no local cluster is installed: install PostgreSQL (e.g. apt-get install postgresql) or set DATABASE_URL`,
    );
  }
  log(`starting PostgreSQL ${version} (pg_ctlcluster ${version} main start)`);
  const run = (action: string) =>
    spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", action], {
      encoding: "utf8",
    });
  const started = run("start");
  if (started.status !== 0)
    throw new Error(`pg_ctlcluster could not start PostgreSQL:\n${started.stderr}`);
  const deadline = Date.now() + 30_000;
  while (!(await isPostgresReady(databaseUrl))) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL did not accept connections at ${databaseUrl}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    started: true,
    async stop() {
      run("stop");
    },
  };
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`unsupported database name in DATABASE_URL: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl(databaseUrl) });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created meanwhile by a concurrent start
      });
    }
  } finally {
    await client.end();
  }
}
