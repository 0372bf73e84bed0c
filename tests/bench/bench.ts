// The project's benchmark, against a running system (`npm start`):
//   npm run bench -- [--url http://127.0.0.1:4000/graphql] [--sweep 8,32,64,128] [--seconds 8]
//                    [--rates 250,500,1000,2000,4000] [--drop-coupons 1000] [--drop-users 50000]
//                    [--only accept,sold-out,open,drop,persist,ceiling] [--out .data/bench]
//                    [--pipelines KAFKA,REDIS_STREAM] [--documents app,project]
// For each scenario it prints presses/s, answer-time percentiles, the time from an accepted press
// to its row in PostgreSQL (user_coupon.issued_at) and the CPU time every process of the system
// spent per press, read from /proc before and after (the load generator runs in its own process
// and is reported apart; PostgreSQL is the backends of the system's database).
// Every press scenario runs once per press document of --documents (press-documents.ts: `app`, a
// shop's own document sent as Apollo Client sends it; `project`, the project's own); the open
// loop runs at each rate of --rates and ends with its table: rates by document, answer times,
// press to ISSUED and CPU per press per process. The saturated figures (the most presses in
// flight, accept-heavy and sold-out) close the run.
// Then the raw ceiling: redis-benchmark running the real admission script. Writes the figures as
// JSON and a chart (SVG) to --out. The accept-heavy sweep and the drop run once per pipeline of
// --pipelines (coupons created with it), and the seed's table is printed at the end: its estimates
// for "Redis only" and "Redis + Kafka" beside what this run measured on REDIS_STREAM and KAFKA.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { z } from "zod";
import { type IssuePipeline, issuePipelineSchema } from "#shared/issue-pipeline.ts";
import { stackEnv } from "#stack/stack-env.ts";
import { measureAdmissionCeiling } from "#test-support/admission-ceiling.ts";
import { createCoupon } from "#test-support/coupon-drop.ts";
import { createGraphqlClient, ISSUE_COUPON } from "#test-support/graphql-client.ts";
import { waitUntil } from "#test-support/wait.ts";
import { type Percentiles, percentiles } from "./latency-stats.ts";
import type { LoadPlan, LoadResult } from "./load-generator.ts";
import { PRESS_DOCUMENTS, type PressDocument } from "./press-documents.ts";
import { renderChart } from "./svg-chart.ts";
import {
  cpuByPid,
  cpuSpentByRole,
  findSystemProcesses,
  gatewayRuntimeOf,
} from "./system-processes.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    sweep: { type: "string", default: "8,32,64,128" },
    seconds: { type: "string", default: "8" },
    rates: { type: "string", default: "250,500,1000,2000,4000" },
    documents: { type: "string", default: "app,project" },
    "drop-coupons": { type: "string", default: "1000" },
    "drop-users": { type: "string", default: "50000" },
    only: { type: "string", default: "accept,sold-out,open,drop,persist,ceiling" },
    out: { type: "string", default: ".data/bench" },
    pipelines: { type: "string", default: "KAFKA,REDIS_STREAM" },
  },
});
const pipelines = z.array(issuePipelineSchema).parse(values.pipelines.split(","));
const documents = z.array(z.enum(PRESS_DOCUMENTS)).min(1).parse(values.documents.split(","));
const env = stackEnv();
const url = values.url ?? `http://127.0.0.1:${env.PORT}/graphql`;
const sweep = values.sweep.split(",").map(Number);
const seconds = Number(values.seconds);
const rates = values.rates.split(",").map(Number);
const dropCoupons = Number(values["drop-coupons"]);
const dropUsers = Number(values["drop-users"]);
const only = new Set(values.only.split(","));
if (
  ![...sweep, ...rates, seconds, dropCoupons, dropUsers].every((n) => Number.isInteger(n) && n > 0)
) {
  console.error(
    "--sweep, --seconds, --rates, --drop-coupons and --drop-users take positive integers",
  );
  process.exit(2);
}

const gql = createGraphqlClient(url);
const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
// The bench's own backend (it reads issued_at) is not the system's.
const benchBackend = (await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]
  ?.pid;
const findProcesses = () =>
  findSystemProcesses({
    kafkaRestUrl: env.KAFKA_REST_URL,
    kafkaPort: Number(env.KAFKA_BROKERS.split(",")[0]?.split(":")[1] ?? 9092),
    redisPort: Number(new URL(env.REDIS_URL).port || 6379),
    database: new URL(env.DATABASE_URL).pathname.slice(1),
    excludePids: new Set(benchBackend === undefined ? [] : [benchBackend]),
  });
const processes = findProcesses();
const gatewayPid = processes.find((p) => p.role === "gateway")?.pid;
if (!gatewayPid) {
  console.error(`no gateway of a running system found (is npm start running, for ${url}?)`);
  process.exit(1);
}
const gatewayRuntime = gatewayRuntimeOf(
  readFileSync(`/proc/${gatewayPid}/cmdline`, "utf8").split("\0").join(" "),
);
const roles = [...new Set(processes.map((p) => p.role))].sort();
console.log(`system: gateway on ${gatewayRuntime}; ${roles.join(", ")}`);

let userBase = 200_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;

interface ScenarioFigures {
  name: string;
  pipeline: IssuePipeline;
  document: PressDocument;
  mode: "closed" | "open";
  connections: number;
  rate?: number;
  sent: number;
  pressesPerSecond: number;
  answers: Record<string, number>;
  answerMs: Percentiles;
  /** From sending an accepted press to its row's issued_at (the persisting transaction's start). */
  pressToIssuedMs: Percentiles | null;
  /**
   * Coupons issued per second: rows in PostgreSQL over the time from the first press to the last
   * row (issued_at); null when nothing was accepted.
   */
  issuedPerSecond: number | null;
  /** CPU microseconds per press, by role; `system` is their sum. */
  cpuPerPress: Record<string, number>;
  generatorCpuPerPress: number;
}

function runGenerator(plan: LoadPlan): Promise<{ result: LoadResult }> {
  const dir = join(tmpdir(), `bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const planPath = join(dir, "plan.json");
  const resultPath = join(dir, "result.json");
  writeFileSync(planPath, JSON.stringify(plan));
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "load-generator.ts"), planPath, resultPath],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
      else resolve({ result: JSON.parse(readFileSync(resultPath, "utf8")) });
    });
  });
}

async function issuedAt(couponId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ request_id: string; at: string }>(
    "SELECT request_id::text, (extract(epoch from issued_at) * 1000)::float8 AS at FROM user_coupon WHERE coupon_id = $1",
    [couponId],
  );
  return new Map(rows.map((r) => [r.request_id, Number(r.at)]));
}

async function scenario(
  name: string,
  pipeline: IssuePipeline,
  couponId: string,
  plan: Omit<LoadPlan, "url" | "couponId" | "userBase"> & { document: PressDocument },
): Promise<ScenarioFigures> {
  const before = cpuByPid(findProcesses());
  const startedAt = Date.now();
  const { result } = await runGenerator({
    ...plan,
    url,
    couponId,
    userBase,
  });
  userBase += (plan.users ?? result.sent) + 1;
  const accepted = result.accepted.length;
  // Persisting is part of a press's cost: wait until PostgreSQL holds every accepted request.
  let issued = new Map<string, number>();
  if (accepted > 0) {
    await waitUntil(
      async () => {
        issued = await issuedAt(couponId);
        return issued.size >= accepted;
      },
      { timeoutMs: 120_000, intervalMs: 200, what: `${accepted} accepted requests in PostgreSQL` },
    ).catch((error: unknown) => console.error(String(error)));
  }
  const seen = findProcesses();
  const spent = cpuSpentByRole(seen, before, cpuByPid(seen));
  const perPress: Record<string, number> = {};
  let system = 0;
  for (const role of roles) {
    const used = spent.get(role) ?? 0;
    perPress[role] = used / result.sent;
    system += used;
  }
  perPress.system = system / result.sent;
  const toIssued = result.accepted
    .map(([requestId, at]) => {
      const when = issued.get(requestId);
      return when === undefined ? Number.NaN : when - at;
    })
    .filter((v) => !Number.isNaN(v));
  const lastRow = Math.max(...issued.values());
  return {
    name,
    pipeline,
    document: plan.document,
    issuedPerSecond: issued.size > 0 ? issued.size / ((lastRow - startedAt) / 1000) : null,
    mode: plan.mode,
    connections: plan.connections,
    rate: plan.rate,
    sent: result.sent,
    pressesPerSecond: result.sent / (result.elapsedMs / 1000),
    answers: result.answers,
    answerMs: percentiles(result.latenciesMs),
    pressToIssuedMs: toIssued.length > 0 ? percentiles(toIssued) : null,
    cpuPerPress: perPress,
    generatorCpuPerPress: result.cpuMicros / result.sent,
  };
}

const n0 = (v: number) => Math.round(v).toLocaleString("en-US");
const ms = (v: number) => (Number.isNaN(v) ? "-" : `${v.toFixed(1)} ms`);
function report(f: ScenarioFigures) {
  const load = f.mode === "closed" ? `${f.connections} in flight` : `${f.rate}/s offered`;
  console.log(
    `\n${f.name} on ${f.pipeline}, ${f.document} document (${load}): ${n0(f.pressesPerSecond)} presses/s, ${n0(f.sent)} presses`,
  );
  if (f.issuedPerSecond !== null) console.log(`  issued            ${n0(f.issuedPerSecond)}/s`);
  console.log(`  answers           ${JSON.stringify(f.answers)}`);
  const a = f.answerMs;
  console.log(
    `  answer time       p50 ${ms(a.p50)}  p95 ${ms(a.p95)}  p99 ${ms(a.p99)}  max ${ms(a.max)}`,
  );
  const i = f.pressToIssuedMs;
  if (i)
    console.log(
      `  press→ISSUED      p50 ${ms(i.p50)}  p95 ${ms(i.p95)}  p99 ${ms(i.p99)}  max ${ms(i.max)}`,
    );
  const cpu = (figures: Record<string, number>) =>
    [...roles, "system"].map((r) => `${r} ${n0(figures[r] ?? 0)}`).join("  ");
  console.log(
    `  CPU µs per press  ${cpu(f.cpuPerPress)}  (generator ${n0(f.generatorCpuPerPress)})`,
  );
}

const figures: ScenarioFigures[] = [];
const durationMs = seconds * 1000;
const run = async (
  name: string,
  couponId: string,
  plan: Parameters<typeof scenario>[3],
  pipeline: IssuePipeline = "KAFKA",
) => {
  const f = await scenario(name, pipeline, couponId, plan);
  report(f);
  figures.push(f);
};

const [firstDocument] = documents as [PressDocument, ...PressDocument[]];
/**
 * Every document at each step in turn, so the documents' figures come from the same minutes, and
 * the order reversed at every other step, so neither always runs first (on a warming process, or
 * just after the one before it filled a queue).
 */
const inTurn = (step: number): readonly PressDocument[] =>
  step % 2 === 0 ? documents : [...documents].reverse();
// The Redis Stream pipeline's sweep with the first document only: the documents differ in the
// gateway, before the pipelines part.
if (only.has("accept"))
  for (const pipeline of pipelines)
    for (const [step, connections] of sweep.entries())
      for (const document of pipeline === "KAFKA" ? inTurn(step) : [firstDocument])
        await run(
          "accept-heavy",
          await createCoupon(gql, 10_000_000, pipeline),
          { mode: "closed", connections, durationMs, document },
          pipeline,
        );

if (only.has("sold-out")) {
  const soldOut = await createCoupon(gql, 1);
  await gql.request(ISSUE_COUPON, { couponId: soldOut }, String(userBase++));
  for (const [step, connections] of sweep.entries())
    for (const document of inTurn(step))
      await run("sold-out", soldOut, { mode: "closed", connections, durationMs, document });
}

const openName = "accept-heavy, open loop";
if (only.has("open"))
  for (const [step, rate] of rates.entries())
    for (const document of inTurn(step))
      await run(openName, await createCoupon(gql, 10_000_000), {
        mode: "open",
        connections: 256,
        rate,
        durationMs,
        document,
      });

const dropName = `drop of ${dropCoupons} to ${dropUsers} users, 10% twice`;
if (only.has("drop"))
  for (const pipeline of pipelines)
    await run(
      dropName,
      await createCoupon(gql, dropCoupons, pipeline),
      {
        mode: "closed",
        connections: 64,
        durationMs: 600_000,
        users: dropUsers,
        twice: Math.round(dropUsers / 10),
        document: firstDocument,
      },
      pipeline,
    );

/** Each pipeline's backlog run (`persist`): its size, and how fast the workers wrote it. */
const persisted: Array<{
  pipeline: IssuePipeline;
  backlog: number;
  seconds: number;
  rowsPerSecond: number;
}> = [];

/**
 * How fast the workers persist one hot coupon, apart from how fast presses arrive: the pipeline's
 * workers are paused (SIGSTOP) while the accept-heavy load runs at the most presses in flight, so
 * every accepted request waits in the topic or stream; then they resume, alone with the backlog.
 * Rows per second from the resume to the last row's `issued_at`, so it includes the workers' own
 * waking up (a consumer group may rebalance after the pause, and the reconciler may re-produce
 * requests it found waiting long: both are part of what a backlog costs).
 */
async function persistBacklog(pipeline: IssuePipeline): Promise<void> {
  const prefix = pipeline === "KAFKA" ? "worker-" : "stream-worker-";
  const workers = findProcesses().filter((p) => p.role.startsWith(prefix));
  if (workers.length === 0) {
    console.log(`\npersisting a backlog on ${pipeline}: no ${prefix}* process found, skipped`);
    return;
  }
  const couponId = await createCoupon(gql, 10_000_000, pipeline);
  const signalAll = (signal: NodeJS.Signals) => {
    for (const { pid } of workers) process.kill(pid, signal);
  };
  signalAll("SIGSTOP");
  let accepted = 0;
  try {
    const { result } = await runGenerator({
      mode: "closed",
      connections: Math.max(...sweep),
      durationMs,
      url,
      couponId,
      userBase,
      document: firstDocument,
    });
    userBase += result.sent + 1;
    accepted = result.accepted.length;
  } finally {
    signalAll("SIGCONT");
  }
  const resumedAt = Date.now();
  let issued = new Map<string, number>();
  await waitUntil(
    async () => {
      issued = await issuedAt(couponId);
      return issued.size >= accepted;
    },
    { timeoutMs: 180_000, intervalMs: 200, what: `${accepted} backlogged requests in PostgreSQL` },
  );
  const drainSeconds = (Math.max(...issued.values()) - resumedAt) / 1000;
  const rowsPerSecond = accepted / drainSeconds;
  persisted.push({ pipeline, backlog: accepted, seconds: drainSeconds, rowsPerSecond });
  console.log(
    `\npersisting a backlog on ${pipeline}: ${n0(accepted)} requests of one coupon in ${drainSeconds.toFixed(1)} s after the workers resumed, ${n0(rowsPerSecond)} rows/s`,
  );
}

if (only.has("persist")) for (const pipeline of pipelines) await persistBacklog(pipeline);

/**
 * The seed's table (its estimates for a Redis-queue worker and for Redis + Kafka) beside this run's
 * figures: answers per second and answer times of the accept-heavy run at the most presses in
 * flight, coupons issued per second in it (a coupon with stock for every press) and in the drop.
 * Recovery and loss are measured by the fault suite (README, "Two pipelines"): they need a worker
 * killed, PostgreSQL taken away and Redis restarted under each persistence setting, which the bench
 * must not do to a running system it does not own (its Redis may hold other drops' admissions and
 * unpersisted stream entries); the fault suite does it to a system and a Redis of its own.
 */
function seedTable(): void {
  const at = Math.max(...sweep);
  const of = (pipeline: IssuePipeline, name: string, connections?: number) =>
    figures.find(
      (f) =>
        f.pipeline === pipeline &&
        f.document === firstDocument &&
        f.name === name &&
        (connections === undefined || f.connections === connections),
    );
  const cell = (pipeline: IssuePipeline, value: (f: ScenarioFigures) => string, name: string) => {
    const f = of(pipeline, name, name === "accept-heavy" ? at : undefined);
    return f ? value(f) : "not run";
  };
  const perSecond = (v: number | null) => (v === null ? "-" : `${n0(v)}/s`);
  const rows: Array<[string, string, string, (p: IssuePipeline) => string]> = [
    [
      "answered presses/s",
      "10,000 TPS",
      "10,000 TPS",
      (p) => cell(p, (f) => perSecond(f.pressesPerSecond), "accept-heavy"),
    ],
    [
      "issued/s, every press accepted",
      "3,000 TPS",
      "9,000 TPS",
      (p) => cell(p, (f) => perSecond(f.issuedPerSecond), "accept-heavy"),
    ],
    [
      "issued/s, a backlog of one coupon (workers alone with it)",
      "3,000 TPS",
      "9,000 TPS",
      (p) => {
        const backlog = persisted.find((b) => b.pipeline === p);
        return backlog ? perSecond(backlog.rowsPerSecond) : "not run";
      },
    ],
    [
      `issued/s, ${dropName}`,
      "3,000 TPS",
      "9,000 TPS",
      (p) => cell(p, (f) => perSecond(f.issuedPerSecond), dropName),
    ],
    [
      "answer time p50 / p95 / p99",
      "2 / 5 / 10 ms",
      "3 / 8 / 15 ms",
      (p) =>
        cell(
          p,
          (f) =>
            [f.answerMs.p50, f.answerMs.p95, f.answerMs.p99].map((v) => v.toFixed(1)).join(" / ") +
            " ms",
          "accept-heavy",
        ),
    ],
    ["recovery from failure", "manual", "automatic retry", () => "npm run test:faults"],
    ["data-loss risk", "high (memory)", "low (persistent)", () => "npm run test:faults"],
  ];
  console.log(
    `\nthe seed's table (accept-heavy at ${at} in flight; seed: estimates, measured: this run)`,
  );
  console.log(
    "| | seed: Redis only | measured: REDIS_STREAM | seed: Redis + Kafka | measured: KAFKA |",
  );
  console.log("| --- | --- | --- | --- | --- |");
  for (const [what, redisOnly, withKafka, measured] of rows)
    console.log(
      `| ${what} | ${redisOnly} | ${measured("REDIS_STREAM")} | ${withKafka} | ${measured("KAFKA")} |`,
    );
}

let ceiling: { evalshaPerSecond: number; pipelinedPerSecond: number } | null = null;
if (only.has("ceiling")) ceiling = await redisCeiling();
await db.end();

/** redis-benchmark running the real admission script (EVALSHA), unpipelined and 16 deep. */
async function redisCeiling() {
  const measured = await measureAdmissionCeiling(env.REDIS_URL);
  if (!measured) {
    console.log("\nraw ceiling: redis-benchmark not installed (apt-get install redis-tools)");
    return null;
  }
  const { evalshaPerSecond, pipelinedPerSecond } = measured;
  console.log(
    `\nraw ceiling: redis-benchmark EVALSHA admit.lua ${n0(evalshaPerSecond)}/s (pipelined 16: ${n0(pipelinedPerSecond)}/s)`,
  );
  const best = Math.max(
    0,
    ...figures.filter((f) => f.name === "accept-heavy").map((f) => f.pressesPerSecond),
  );
  if (best > 0)
    console.log(
      `best accept-heavy presses/s is ${((100 * best) / evalshaPerSecond).toFixed(1)}% of it`,
    );
  return measured;
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  gatewayRuntime,
  at: new Date().toISOString(),
};
mkdirSync(values.out, { recursive: true });
const jsonPath = join(values.out, `bench-${gatewayRuntime}.json`);
writeFileSync(
  jsonPath,
  `${JSON.stringify({ machine, scenarios: figures, persisted, ceiling }, null, 2)}\n`,
);
const closed = (name: string, pipeline: IssuePipeline) =>
  figures.filter(
    (f) =>
      f.name === name &&
      f.mode === "closed" &&
      f.pipeline === pipeline &&
      f.document === firstDocument,
  );
const series = (
  name: string,
  color: string,
  y: (f: ScenarioFigures) => number,
  pipeline: IssuePipeline = "KAFKA",
) => ({
  name: pipeline === "KAFKA" ? name : `${name} (${pipeline})`,
  color,
  points: closed(name, pipeline).map((f) => [f.connections, y(f)] as [number, number]),
});
const svgPath = join(values.out, `bench-${gatewayRuntime}.svg`);
writeFileSync(
  svgPath,
  renderChart(
    [
      {
        title: "presses per second",
        xLabel: "presses in flight (connections)",
        yLabel: "presses/s",
        series: [
          series("accept-heavy", "#1f77b4", (f) => f.pressesPerSecond),
          series("accept-heavy", "#2ca02c", (f) => f.pressesPerSecond, "REDIS_STREAM"),
          series("sold-out", "#ff7f0e", (f) => f.pressesPerSecond),
        ],
      },
      {
        title: "answer time p99",
        xLabel: "presses in flight (connections)",
        yLabel: "ms",
        series: [
          series("accept-heavy", "#1f77b4", (f) => f.answerMs.p99),
          series("accept-heavy", "#2ca02c", (f) => f.answerMs.p99, "REDIS_STREAM"),
          series("sold-out", "#ff7f0e", (f) => f.answerMs.p99),
        ],
      },
    ],
    `gateway on ${gatewayRuntime}, ${machine.cpus} cores (${machine.cpuModel}), everything on one machine, ${machine.at.slice(0, 10)}`,
  ),
);
/** The processes of a role family as one column: the workers of each pipeline summed. */
const columnOf = (role: string) => role.replace(/-\d+$/, "s");
const columns = [...new Set(roles.map(columnOf))];
function cpuColumns(f: ScenarioFigures): string[] {
  const sums = new Map<string, number>();
  for (const role of roles)
    sums.set(columnOf(role), (sums.get(columnOf(role)) ?? 0) + (f.cpuPerPress[role] ?? 0));
  return [
    n0(f.cpuPerPress.system ?? 0),
    ...columns.map((c) => n0(sums.get(c) ?? 0)),
    n0(f.generatorCpuPerPress),
  ];
}
const cpuHeader = `CPU µs/press: system | ${columns.join(" | ")} | generator`;
const fixed = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(1));

/** The open loop, one row per rate and document. */
function openTable(): void {
  const rows = figures.filter((f) => f.name === openName);
  if (rows.length === 0) return;
  console.log(
    `\nopen loop, accept-heavy on KAFKA, ${seconds} s per rate; answer times from when each press was due (ms)`,
  );
  console.log(
    `| offered/s | document | answered/s | p50 | p95 | p99 | max | press→ISSUED p50 | p99 | ${cpuHeader} |`,
  );
  console.log(`|${" --- |".repeat(10 + columns.length + 2)}`);
  for (const f of rows) {
    const a = f.answerMs;
    const i = f.pressToIssuedMs;
    const cells = [
      n0(f.rate ?? 0),
      f.document,
      n0(f.pressesPerSecond),
      ...[a.p50, a.p95, a.p99, a.max].map(fixed),
      i ? fixed(i.p50) : "-",
      i ? fixed(i.p99) : "-",
      ...cpuColumns(f),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

/** At the most presses in flight: accepted and sold-out presses per second, by document. */
function saturatedTable(): void {
  const at = Math.max(...sweep);
  const rows = figures.filter(
    (f) =>
      f.mode === "closed" &&
      f.pipeline === "KAFKA" &&
      f.connections === at &&
      (f.name === "accept-heavy" || f.name === "sold-out"),
  );
  if (rows.length === 0) return;
  console.log(`\nsaturated (closed loop, ${at} presses in flight, KAFKA)`);
  console.log(`| scenario | document | presses/s | p50 | p99 | ${cpuHeader} |`);
  console.log(`|${" --- |".repeat(5 + columns.length + 2)}`);
  for (const f of rows)
    console.log(
      `| ${[f.name, f.document, n0(f.pressesPerSecond), fixed(f.answerMs.p50), fixed(f.answerMs.p99), ...cpuColumns(f)].join(" | ")} |`,
    );
}

seedTable();
openTable();
saturatedTable();
console.log(`\nfigures: ${jsonPath}  chart: ${svgPath}`);
