import type { Pool, PoolClient } from "pg";

/**
 * Gives the pool back a connection that died while checked out.
 *
 * Why it exists: MikroORM 7 runs `em.transactional` on Kysely's controlled transactions, and Kysely
 * (0.29.6, the exact version @mikro-orm/sql pins) releases a transaction's connection only after a
 * successful COMMIT or ROLLBACK (kysely-org/kysely#1990, open). When the connection dies inside a
 * transaction (PostgreSQL restarted, `pg_terminate_backend`, a network cut), the ROLLBACK fails too;
 * MikroORM logs that and rethrows the first error, and the client is never released. Each such death
 * costs a pool slot for good: after `poolSize` of them no unit of work gets a connection any more
 * (each fails at the connect timeout), and closing the ORM hangs. `release-dead-connections.test.ts`
 * shows the leak on a plain MikroORM; when that test fails, the libraries have fixed it and this can go.
 *
 * Why not a setting: pg-pool leaves a checked-out client to its holder by design (no option watches
 * it), and MikroORM has no hook around a failed rollback. Handing MikroORM a Kysely dialect of our
 * own through `driverOptions` would replace the pool MikroORM builds (its type parsers and its pool
 * error handlers) to patch one method of it.
 *
 * What it does: when a checked-out client's connection ends, it is released at once with an error
 * (the pool discards it), and the holder's own release is made a no-op. The holder may still release
 * it afterwards (Kysely does, in `finally`, for a query outside a transaction): pg emits 'end' from
 * the same tick queue as the query's rejection, so before the holder's code resumes, and a second
 * release would make pg-pool throw and hide the query's own error.
 */
export function releaseDeadConnections(pool: Pool): void {
  const checkedOut = new WeakSet<PoolClient>();
  const watched = new WeakSet<PoolClient>();
  pool.on("release", (_error: Error | undefined, client: PoolClient) => checkedOut.delete(client));
  pool.on("acquire", (client: PoolClient) => {
    checkedOut.add(client);
    if (watched.has(client)) return;
    watched.add(client);
    client.on("end", () => {
      if (!checkedOut.has(client)) return; // ended by the pool itself, while idle
      // `client.release` is the pool's release for the current checkout (set after 'acquire').
      const release = client.release;
      client.release = () => undefined;
      release.call(client, new Error("connection ended while checked out"));
    });
  });
}
