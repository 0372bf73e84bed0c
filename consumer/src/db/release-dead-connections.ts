import type { Pool, PoolClient } from "pg";

/**
 * Gives the pool back a connection that died while checked out.
 *
 * MikroORM 7 runs transactions on Kysely 0.29, whose controlled transaction releases its connection
 * only after a successful COMMIT or ROLLBACK (kysely-org/kysely#1990). When the connection dies inside
 * a transaction (PostgreSQL restarted, `pg_terminate_backend`, a network cut), the ROLLBACK fails too
 * and the client is never released: each such death costs a pool slot for good, after `poolSize` of
 * them every unit of work waits forever for a connection, and closing the ORM hangs.
 *
 * So when a checked-out client's connection ends, it is released at once (the pool discards it, as it
 * can no longer be queried) and the holder's own release, should it ever come, is made a no-op.
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
