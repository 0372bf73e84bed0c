// `npm start` itself, run as a process on ports, a data directory, topics and groups of its own
// (another stack may hold the default ports on this machine; nothing here assumes they are free).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  CREATE_COUPON,
  createGraphqlClient,
  ISSUE_COUPON,
  type IssueResult,
  REQUEST_STATUS,
} from "#test-support/graphql-client.ts";
import { deleteTopicsAndGroups } from "#test-support/own-kafka.ts";
import { freePort } from "#test-support/system.ts";
import { type SystemNames, uniqueSystemNames } from "#test-support/unique-name.ts";
import { mapWithConcurrency, waitUntil } from "#test-support/wait.ts";
import { REPO_ROOT } from "./paths.ts";
import { findPortHolders } from "./supervisor/port-holders.ts";

interface Launcher {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

interface LauncherSetup {
  env: Record<string, string>;
  /** The ports its app processes listen on: gateway, proxies, control, the worker, the storefront. */
  ports: number[];
}

const started: Launcher[] = [];
const names: SystemNames[] = [];
const dataDirs: string[] = [];

async function launcherSetup(): Promise<LauncherSetup> {
  const infra = inject("testEnv");
  const system = uniqueSystemNames();
  names.push(system);
  const dataDir = mkdtempSync(join(tmpdir(), "coupon-drop-launcher-"));
  dataDirs.push(dataDir);
  const [gateway, redisRest, kafkaRest, internal, metrics, storefront] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  const env = {
    ...infra,
    COUPON_DROP_DATA_DIR: dataDir,
    CONSUMER_COUNT: "1",
    GATEWAY_RUNTIME: "node",
    PORT: String(gateway),
    REDIS_REST_URL: `http://127.0.0.1:${redisRest}`,
    KAFKA_REST_URL: `http://127.0.0.1:${kafkaRest}`,
    INTERNAL_API_URL: `http://127.0.0.1:${internal}`,
    STOREFRONT_URL: `http://127.0.0.1:${storefront}`,
    WORKER_METRICS_BASE_PORT: String((metrics as number) - 1),
    ISSUE_TOPIC: system.issueTopic,
    DEAD_LETTER_TOPIC: system.deadLetterTopic,
    CONSUMER_GROUP: system.consumerGroup,
    DLT_MONITOR_GROUP: system.dltMonitorGroup,
    REDIS_KEY_PREFIX: system.redisKeyPrefix,
    KAFKA_REST_TOPICS: system.issueTopic,
  };
  return {
    env,
    ports: [gateway, redisRest, kafkaRest, internal, metrics, storefront] as number[],
  };
}

function launch({ env }: LauncherSetup): Launcher {
  const child = spawn(process.execPath, ["stack/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream.on("data", (chunk: Buffer) => output.push(...chunk.toString().split("\n")));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const launcher: Launcher = {
    child,
    output,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      waitUntil(() => output.some((line) => pattern.test(line)), {
        timeoutMs,
        what: `${pattern} in the launcher's output`,
      }).catch((error: Error) => {
        throw new Error(`${error.message}:\n${output.slice(-60).join("\n")}`);
      }),
  };
  started.push(launcher);
  return launcher;
}

const isRunning = (l: Launcher) => l.child.exitCode === null && l.child.signalCode === null;

/** The pids listening on the ports, each checked to be a child of `launcher` (never anyone else's). */
function appPids(launcher: Launcher, ports: number[]): number[] {
  return ports.flatMap((port) =>
    findPortHolders(port).map(({ pid }) => {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      expect(Number(/^PPid:\s+(\d+)/m.exec(status)?.[1])).toBe(launcher.child.pid);
      return pid;
    }),
  );
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

async function stopLauncher(launcher: Launcher): Promise<number | null> {
  if (isRunning(launcher)) launcher.child.kill("SIGTERM");
  return launcher.exited;
}

describe("npm start", () => {
  afterEach(async () => {
    for (const launcher of started.splice(0)) await stopLauncher(launcher);
  });
  afterAll(async () => {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    const brokers = inject("testEnv").KAFKA_BROKERS.split(",");
    // Best effort: a group whose killed members the broker has not yet timed out cannot be
    // deleted, and names of their own never meet another test's.
    for (const system of names)
      await deleteTopicsAndGroups(brokers, {
        topics: [system.issueTopic, system.deadLetterTopic],
        groups: [system.consumerGroup, system.dltMonitorGroup],
      }).catch(() => undefined);
  });

  it("stops with exit code 1 and names the holder when a port it needs is held, never printing the ready line", async () => {
    const setup = await launcherSetup();
    const port = Number(new URL(setup.env.KAFKA_REST_URL as string).port);
    const holder = spawn(
      process.execPath,
      ["-e", `require("node:net").createServer().listen(${port}, "127.0.0.1")`],
      { stdio: "ignore" },
    );
    try {
      await waitUntil(() => findPortHolders(port).length > 0, { what: "the holder to listen" });
      const launcher = launch(setup);
      expect(await launcher.exited).toBe(1);
      const text = launcher.output.join("\n");
      expect(text).toContain(`port ${port} (kafka-rest) is already in use by pid ${holder.pid}`);
      expect(text).toContain("createServer().listen"); // its command line, from /proc
      expect(text).not.toMatch(/coupon-drop ready/);
      for (const other of setup.ports.filter((p) => p !== port))
        expect(findPortHolders(other)).toEqual([]);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("refuses a second start while one runs, waits for one that is stopping, and takes its app processes along when killed with SIGKILL", async () => {
    const setup = await launcherSetup();
    const first = launch(setup);
    await first.waitFor(/coupon-drop ready in \d/);
    // The launcher's own kafkajs clients arm no negative timer (Node's TimeoutNegativeWarning).
    expect(first.output.join("\n")).not.toMatch(/TimeoutNegativeWarning/);
    // The storefront, built at the start and served where the ready lines say, calls this gateway,
    // whose CORS lets its origin in.
    const storefront = setup.env.STOREFRONT_URL as string;
    const graphqlUrl = `http://127.0.0.1:${setup.ports[0]}/graphql`;
    expect(first.output.join("\n")).toContain(`storefront        ${storefront}/?coupon=`);
    expect(await (await fetch(`${storefront}/`)).text()).toContain('src="/main.js"');
    expect((await fetch(`${storefront}/main.js`)).headers.get("content-type")).toMatch(
      /^text\/javascript/,
    );
    expect(await (await fetch(`${storefront}/config.json`)).json()).toEqual({
      graphqlUrl,
      subscriptions: "sse",
    });
    const preflight = await fetch(graphqlUrl, {
      method: "OPTIONS",
      headers: {
        origin: storefront,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-user-id",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe(storefront);

    const refused = launch(setup);
    expect(await refused.exited).toBe(1);
    expect(refused.output.join("\n")).toContain(
      `another npm start is running (pid ${first.child.pid})`,
    );

    // Ctrl-C, and another start while the first is stopping: it waits for the first to be gone,
    // then starts anew. Its gateway and worker frozen, the first takes its grace period (10 s) for
    // each of them before it kills them, and so stays stopping long enough to be seen.
    const [gatewayPort, , , , metricsPort] = setup.ports as [
      number,
      number,
      number,
      number,
      number,
    ];
    for (const pid of appPids(first, [gatewayPort, metricsPort])) process.kill(pid, "SIGSTOP");
    first.child.kill("SIGINT");
    await first.waitFor(/stopping everything/);
    const second = launch(setup);
    await second.waitFor(new RegExp(`npm start \\(pid ${first.child.pid}\\) is stopping`));
    expect(await first.exited).toBe(0);
    await second.waitFor(/coupon-drop ready in \d/);
    const pids = appPids(second, setup.ports);
    expect(pids).toHaveLength(setup.ports.length);

    second.child.kill("SIGKILL");
    await waitUntil(() => pids.every(gone), {
      timeoutMs: 60_000,
      what: `the killed launcher's processes ${pids.join(", ")} to end`,
    });
    for (const port of setup.ports) expect(findPortHolders(port)).toEqual([]);

    // Its lock is left behind: the next start sees its holder gone and takes over.
    const third = launch(setup);
    await third.waitFor(/coupon-drop ready in \d/);
    expect(await stopLauncher(third)).toBe(0);
    for (const port of setup.ports) expect(findPortHolders(port)).toEqual([]);
  }, 300_000);

  it("restarts an app process that exits, and stops the system when one keeps crashing", async () => {
    const setup = await launcherSetup();
    const launcher = launch(setup);
    await launcher.waitFor(/coupon-drop ready in \d/);
    const [gatewayPort, , , , metricsPort] = setup.ports as [
      number,
      number,
      number,
      number,
      number,
    ];

    const [worker] = appPids(launcher, [metricsPort]);
    process.kill(worker as number, "SIGKILL");
    await launcher.waitFor(/\[worker-1\].*exited unexpectedly/);
    await launcher.waitFor(/\[worker-1\].*restarted \(pid \d+\)/);
    const [restarted] = appPids(launcher, [metricsPort]);
    expect(restarted).not.toBe(worker);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).ok).toBe(true);

    // The gateway killed each time it comes back: a crash loop.
    const killed = new Set<number>();
    while (isRunning(launcher)) {
      const [gateway] = findPortHolders(gatewayPort).map((h) => h.pid);
      if (gateway !== undefined && !killed.has(gateway)) {
        appPids(launcher, [gatewayPort]);
        killed.add(gateway);
        process.kill(gateway, "SIGKILL");
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await launcher.exited).toBe(1);
    expect(launcher.output.join("\n")).toMatch(/gateway keeps failing: 5 times in a row/);
    expect(killed.size).toBe(5);
    for (const port of setup.ports) expect(findPortHolders(port)).toEqual([]);
  }, 300_000);

  it("with ISSUE_PIPELINES=REDIS_STREAM runs a drop end to end without any broker: none started, none reached, a KAFKA coupon refused", async () => {
    const setup = await launcherSetup();
    // Where KAFKA_BROKERS points, a listener that only counts who connects: a broker started, probed
    // or connected to by any process of the run would show here (or fail to bind its port).
    const knocks: string[] = [];
    const sentinel = createServer((socket) => {
      knocks.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => sentinel.listen(0, "127.0.0.1", resolve));
    const brokerPort = (sentinel.address() as { port: number }).port;
    const [gatewayPort, redisRestPort, kafkaRestPort, internalPort, metricsPort] = setup.ports as [
      number,
      number,
      number,
      number,
      number,
    ];
    // npm start's stream workers go after the issue workers' metrics ports.
    const streamMetricsPorts = [metricsPort + 10, metricsPort + 11];
    try {
      const launcher = launch({
        ...setup,
        env: {
          ...setup.env,
          ISSUE_PIPELINES: "REDIS_STREAM",
          KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
        },
      });
      await launcher.waitFor(/coupon-drop ready in \d/);
      const text = launcher.output.join("\n");
      expect(text).toMatch(/no Kafka \(ISSUE_PIPELINES=REDIS_STREAM\)/);
      expect(text).not.toMatch(/starting Apache Kafka|\[kafka-rest\]|\[worker-\d\]/);
      expect(findPortHolders(kafkaRestPort)).toEqual([]);
      expect(findPortHolders(metricsPort)).toEqual([]);
      // Its processes: proxy, control, two stream workers, gateway; none of them a JVM.
      const pids = appPids(launcher, [
        redisRestPort,
        internalPort,
        ...streamMetricsPorts,
        gatewayPort,
      ]);
      expect(pids).toHaveLength(5);
      for (const pid of pids) expect(readlinkSync(`/proc/${pid}/exe`)).not.toMatch(/java/);

      const gql = createGraphqlClient(`http://127.0.0.1:${gatewayPort}/graphql`);
      const refused = await gql.request(CREATE_COUPON, {
        input: { name: "on a broker that is not there", totalQuantity: 5, pipeline: "KAFKA" },
      });
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe("PIPELINE_DISABLED");
      expect(refused.errors?.[0]?.message).toMatch(
        /The KAFKA pipeline does not run in this deployment \(ISSUE_PIPELINES=REDIS_STREAM\): create the coupon with pipeline REDIS_STREAM/,
      );

      // A KAFKA coupon from before the switch (written as an earlier deployment did): its presses
      // are refused at once, and nothing of them stays admitted.
      const db = new pg.Pool({ connectionString: setup.env.DATABASE_URL, max: 1 });
      const earlier = await db
        .query<{ id: string }>(
          "INSERT INTO coupon (name, total_quantity, pipeline) VALUES ('before the switch', 3, 'KAFKA') RETURNING id::text AS id",
        )
        .finally(() => db.end());
      const earlierId = earlier.rows[0]?.id as string;
      const press = await gql.request(ISSUE_COUPON, { couponId: earlierId }, "41");
      expect(press.errors?.[0]?.extensions?.code).toBe("PIPELINE_DISABLED");
      expect(press.errors?.[0]?.message).toBe(
        `Coupon ${earlierId} is on the KAFKA pipeline, which this deployment does not run (ISSUE_PIPELINES=REDIS_STREAM): its presses are not accepted.`,
      );
      const left = await gql.request<{ coupon: { remaining: number } }>(
        `query($id: ID!) { coupon(id: $id) { remaining } }`,
        { id: earlierId },
      );
      expect(left.data?.coupon.remaining).toBe(3);

      // Created without naming a pipeline, it gets the one there is.
      const created = await gql.request<{ createCoupon: { id: string; pipeline: string } }>(
        CREATE_COUPON,
        { input: { name: "redis only", totalQuantity: 10 } },
      );
      expect(created.errors).toBeUndefined();
      expect(created.data?.createCoupon.pipeline).toBe("REDIS_STREAM");
      const couponId = created.data?.createCoupon.id as string;

      const userBase = 30_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
      const users = Array.from({ length: 25 }, (_, i) => String(userBase + i));
      const answers = await mapWithConcurrency(users, 25, async (userId) => {
        const reply = await gql.request<{ issueCoupon: IssueResult }>(
          ISSUE_COUPON,
          { couponId },
          userId,
        );
        expect(reply.errors).toBeUndefined();
        return { userId, result: reply.data?.issueCoupon as IssueResult };
      });
      const accepted = answers.filter((a) => a.result.__typename === "IssueAccepted");
      expect(accepted).toHaveLength(10);
      expect(answers.filter((a) => a.result.__typename === "SoldOut")).toHaveLength(15);
      // Each winner's subscription ends ISSUED and completes.
      const followed = await Promise.all(
        accepted.map(({ userId, result }) =>
          gql.subscribe<{ requestStatus: { status: string } }>(
            REQUEST_STATUS,
            { requestId: result.requestId },
            { userId },
          ),
        ),
      );
      for (const { events, completed } of followed) {
        expect(events.at(-1)?.data?.requestStatus.status).toBe("ISSUED");
        expect(completed).toBe(true);
      }
      const coupon = await gql.request<{ coupon: { issuedCount: number; remaining: number } }>(
        `query($id: ID!) { coupon(id: $id) { issuedCount remaining } }`,
        { id: couponId },
      );
      expect(coupon.data?.coupon).toEqual({ issuedCount: 10, remaining: 0 });
      // The operators' page says there is no Kafka, rather than that it did not answer.
      const snapshot = (await (
        await fetch(`http://127.0.0.1:${internalPort}/dashboard/snapshot`)
      ).json()) as { kafka: boolean; lag: unknown; coupons: Array<{ id: string; issued: number }> };
      expect(snapshot).toMatchObject({ kafka: false, lag: null });
      expect(snapshot.coupons.find((c) => c.id === couponId)?.issued).toBe(10);
      expect(knocks).toEqual([]);
      expect(await stopLauncher(launcher)).toBe(0);
    } finally {
      await new Promise((resolve) => sentinel.close(resolve));
    }
  }, 300_000);
});
