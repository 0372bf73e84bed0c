import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "#stack/paths.ts";
import { freePort } from "./system.ts";
import { waitUntil } from "./wait.ts";

export interface PrometheusOptions {
  /** Scrape jobs: job name to `host:port` targets (each serving `/metrics`). */
  jobs: Record<string, string[]>;
  /** Rule files, relative to the repository root, loaded as they are. */
  ruleFiles: string[];
  /** Scrape and evaluation interval, short so a test sees alerts within seconds. Default 1 s. */
  intervalSeconds?: number;
  /** Sent as `authorization: Bearer` with every scrape (outside development mode). */
  bearerToken?: string;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

/**
 * A real Prometheus (Debian's `prometheus` binary) of a test's own: a free port, a storage
 * directory in a temporary folder, and a configuration written for the system under test.
 */
export async function startPrometheus({
  jobs,
  ruleFiles,
  intervalSeconds = 1,
  bearerToken,
}: PrometheusOptions) {
  const dir = await mkdtemp(join(tmpdir(), "prometheus-"));
  const port = await freePort();
  const interval = `${intervalSeconds}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: ruleFiles.map((file) => join(REPO_ROOT, file)),
    scrape_configs: Object.entries(jobs).map(([job_name, targets]) => ({
      job_name,
      ...(bearerToken ? { authorization: { credentials: bearerToken } } : {}),
      static_configs: [{ targets }],
    })),
  };
  // JSON is YAML: no YAML writer needed.
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const lines: string[] = [];
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (chunk) => lines.push(String(chunk)));
  child.stderr?.on("data", (chunk) => lines.push(String(chunk)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  }

  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${lines.join("")}`);
        const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
        return ready?.status === 200;
      },
      { what: "prometheus to be ready", timeoutMs: 60_000 },
    );
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    /** What Prometheus logged (warnings and errors), for failure messages. */
    lines,
    /** Alerts pending or firing now. */
    async alerts(): Promise<PrometheusAlert[]> {
      return (await api<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts;
    },
    /** The state of `alertname` now: firing, pending, or inactive (not listed). */
    async alertState(alertname: string): Promise<"firing" | "pending" | "inactive"> {
      const found = (await this.alerts()).filter((a) => a.labels.alertname === alertname);
      if (found.some((a) => a.state === "firing")) return "firing";
      return found.length > 0 ? "pending" : "inactive";
    },
    /** An instant query's vector. */
    async query(
      expr: string,
    ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
      const data = await api<{
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
    /** Every target's health as Prometheus last saw it. */
    async targets(): Promise<Array<{ job: string; instance: string; health: string }>> {
      const data = await api<{
        activeTargets: Array<{ labels: Record<string, string>; health: string }>;
      }>("/api/v1/targets");
      return data.activeTargets.map((t) => ({
        job: t.labels.job ?? "",
        instance: t.labels.instance ?? "",
        health: t.health,
      }));
    },
    async stop(): Promise<void> {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type PrometheusUnderTest = Awaited<ReturnType<typeof startPrometheus>>;
