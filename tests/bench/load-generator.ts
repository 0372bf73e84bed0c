// The benchmark's load generator, in a process of its own so that its CPU is counted apart from
// the system's: `node tests/bench/load-generator.ts <plan.json> <result.json>`. Presses the
// button through the gateway's GraphQL endpoint (a pool of keep-alive connections, http-connections.ts),
// closed-loop (N presses in flight) or open-loop (a fixed rate, whatever the answers' pace).
// Light on purpose (it shares the machine with the system): the plan is checked once, an answer
// is read with JSON.parse and two property reads, and its CPU is counted over the load alone (not
// its own start-up), read by itself with process.cpuUsage().
import { readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { createHttpConnections } from "./http-connections.ts";
import { PRESS_DOCUMENTS, pressRequest } from "./press-documents.ts";

const planSchema = z.object({
  url: z.url(),
  couponId: z.string(),
  /** closed: `connections` presses in flight; open: `rate` presses per second. */
  mode: z.enum(["closed", "open"]),
  connections: z.number().int().positive(),
  rate: z.number().positive().optional(),
  /** Stop sending after this long, or after `presses` presses, whichever comes first. */
  durationMs: z.number().int().positive(),
  presses: z.number().int().positive().optional(),
  /** First user id; press i comes from user `userBase + i` unless `users` is set. */
  userBase: z.number().int().positive(),
  /** A drop's population: presses come from these many users, `twice` of them pressing twice. */
  users: z.number().int().positive().optional(),
  twice: z.number().int().nonnegative().default(0),
  /** Which press document is sent (press-documents.ts). */
  document: z.enum(PRESS_DOCUMENTS).default("app"),
});
export type LoadPlan = z.input<typeof planSchema>;

export interface LoadResult {
  sent: number;
  elapsedMs: number;
  /** Answers by kind: a result type name, `error:<code>` or `http:<status>`. */
  answers: Record<string, number>;
  /** Time to an answer per press (from when it was due, in open-loop mode), milliseconds. */
  latenciesMs: number[];
  /** requestId of every IssueAccepted answer and when its press was sent (epoch ms). */
  accepted: Array<[string, number]>;
  /** The generator's own CPU (user + system) from the first press to the last answer, µs. */
  cpuMicros: number;
}

/** The part of a press's answer the generator reads (anything else is counted by HTTP status). */
interface Answer {
  data?: { issueCoupon?: { __typename?: unknown; requestId?: unknown } | null } | null;
  errors?: Array<{ extensions?: { code?: unknown } }>;
}

/** The user of each press: a drop's users in random order, the `twice` first of them again. */
function pressUsers(plan: z.output<typeof planSchema>): (i: number) => number | null {
  const { users, twice, userBase } = plan;
  if (users === undefined) return (i) => userBase + i;
  const order = Array.from(
    { length: users + twice },
    (_, i) => userBase + (i < users ? i : i - users),
  );
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return (i) => order[i] ?? null;
}

export async function runLoad(input: LoadPlan): Promise<LoadResult> {
  const plan = planSchema.parse(input);
  const url = new URL(plan.url);
  const { body, headers } = pressRequest(plan.document, plan.couponId);
  const http = createHttpConnections({
    origin: url.origin,
    path: url.pathname,
    headers,
    body,
    connections: plan.connections,
  });
  const userOf = pressUsers(plan);
  const limit =
    plan.presses ?? (plan.users === undefined ? Number.POSITIVE_INFINITY : plan.users + plan.twice);
  const answers: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const accepted: Array<[string, number]> = [];
  let sent = 0;

  async function press(user: number, dueAt: number) {
    const sentAt = Date.now();
    let kind: string;
    try {
      const response = await http.post(`x-user-id: ${user}`);
      let answer: Answer = {};
      try {
        answer = JSON.parse(response.body) as Answer;
      } catch {}
      const result = answer.data?.issueCoupon;
      if (result && typeof result.__typename === "string") {
        kind = result.__typename;
        if (kind === "IssueAccepted" && typeof result.requestId === "string")
          accepted.push([result.requestId, sentAt]);
      } else if (answer.errors?.[0]) {
        kind = `error:${String(answer.errors[0].extensions?.code ?? "UNKNOWN")}`;
      } else kind = `http:${response.status}`;
    } catch (error) {
      kind = `network:${error instanceof Error ? error.name : "unknown"}`;
    }
    latenciesMs.push(performance.now() - dueAt);
    answers[kind] = (answers[kind] ?? 0) + 1;
  }

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + plan.durationMs;
  const next = () => {
    if (sent >= limit || performance.now() >= deadline) return null;
    const user = userOf(sent);
    if (user === null) return null;
    sent++;
    return user;
  };

  if (plan.mode === "closed") {
    const loop = async () => {
      for (let user = next(); user !== null; user = next()) await press(user, performance.now());
    };
    await Promise.all(Array.from({ length: plan.connections }, loop));
  } else {
    const interval = 1000 / (plan.rate ?? 1000);
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const dueAt = started + sent * interval;
      const now = performance.now();
      if (dueAt > now) {
        await sleep(Math.max(0, Math.floor(dueAt - now)));
        continue;
      }
      const user = next();
      if (user === null) break;
      // Measured from when the press was due, so a slow answer cannot hide the presses behind it.
      const pending = press(user, dueAt).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  http.close();
  return { sent, elapsedMs, answers, latenciesMs, accepted, cpuMicros: cpu.user + cpu.system };
}

if (import.meta.main) {
  const [planPath, resultPath] = process.argv.slice(2);
  if (!planPath || !resultPath) {
    console.error("usage: node tests/bench/load-generator.ts <plan.json> <result.json>");
    process.exit(2);
  }
  const result = await runLoad(JSON.parse(readFileSync(planPath, "utf8")));
  writeFileSync(resultPath, JSON.stringify(result));
}
