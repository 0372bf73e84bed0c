import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, FAST_RECONCILER, PIPELINES } from "./fault-harness.ts";

describe("fault: PostgreSQL connections terminated, then refused for 10 s, mid-drop", () => {
  let system: SystemUnderTest;
  let admin: pg.Client;
  let database: string;
  beforeAll(async () => {
    system = await startSystem({ extraEnv: { control: FAST_RECONCILER } });
    const url = new URL(system.env.DATABASE_URL);
    database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = "/postgres";
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => {});
    await admin?.end();
    await system?.stop();
  });

  const terminateAll = () =>
    admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );

  it.each(PIPELINES)(
    "on %s, consumers back off and resume; nothing is failed or dead-lettered for it",
    async (pipeline) => {
      const linesBefore = system.lines.length;
      const { report } = await dropUnderFault({
        scenario: `postgres terminated + refusing 10 s (${pipeline})`,
        system,
        pipeline,
        fault: async () => {
          await terminateAll();
          await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
          try {
            await terminateAll();
            await new Promise((resolve) => setTimeout(resolve, 10_000));
          } finally {
            await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
          }
          return Date.now();
        },
      });
      expectInvariantsHold(report);
      expect(report.failedWithCompensation).toBe(0);
      expect(report.issued).toBe(report.accepted);
      expect(report.rows).toBe(150);
      // The outage was seen and retried through, not dead-lettered.
      const lines = system.lines.slice(linesBefore);
      const worker = pipeline === "KAFKA" ? "worker" : "stream-worker";
      const retried = new RegExp(`\\[${worker}-\\d\\].*(transient|retry)`, "i");
      expect(lines.some((line) => retried.test(line))).toBe(true);
      expect(lines.some((line) => /permanent failure/i.test(line))).toBe(false);
    },
  );
});
