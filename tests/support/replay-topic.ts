import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { REPO_ROOT } from "#stack/paths.ts";
import { waitForGroupCaughtUp } from "./kafka-lag.ts";
import { deleteTopicsAndGroups } from "./own-kafka.ts";
import { freePort, type SystemUnderTest } from "./system.ts";

/**
 * Feeds the whole issue topic, from offset 0, through one more worker in a consumer group of its
 * own, as an operator resetting offsets would; resolves once it has consumed everything.
 */
export async function replayWholeTopic(system: SystemUnderTest): Promise<{ ms: number }> {
  const started = Date.now();
  const brokers = system.env.KAFKA_BROKERS.split(",");
  const group = `replay-${crypto.randomUUID()}`;
  const worker = spawn(process.execPath, [join(REPO_ROOT, "consumer/src/issue-worker/main.ts")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...system.env,
      CONSUMER_GROUP: group,
      WORKER_ID: "replay",
      METRICS_PORT: String(await freePort()),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  for (const stream of [worker.stdout, worker.stderr])
    stream.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(worker, "exit");
  let caughtUp = false;
  try {
    await Promise.race([
      waitForGroupCaughtUp(brokers, group, { topic: system.issueTopic }).then(() => {
        caughtUp = true;
      }),
      exited.then(() => {
        if (!caughtUp)
          throw new Error(`the replay worker exited early:\n${output.join("").slice(-3000)}`);
      }),
    ]);
  } finally {
    if (worker.exitCode === null && worker.signalCode === null) {
      worker.kill("SIGTERM");
      await exited;
    }
    // Best effort: a worker that died may hold the group until its session times out.
    await deleteTopicsAndGroups(brokers, { groups: [group] }).catch(() => undefined);
  }
  return { ms: Date.now() - started };
}
