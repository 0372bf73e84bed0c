// Someone deploys the system for production and forgets identity or credentials: every process
// started that way refuses at once, with one line that names the variable to set and a non-zero
// exit, before it listens anywhere. Started as `npm start` would start it, each process is a real
// process; none of the refusals needs Kafka, Redis or PostgreSQL.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { appProcesses, GATEWAY_RUNTIMES, type GatewayRuntime } from "#stack/app-processes.ts";
import { REPO_ROOT } from "#stack/paths.ts";
import { stackEnv } from "#stack/stack-env.ts";
import type { ProcessSpec } from "#stack/supervisor/supervisor.ts";
import { freePort } from "#test-support/system.ts";
import { waitUntil } from "#test-support/wait.ts";

/** Settings of the test run's own environment that would change what a process decides. */
const DECIDING = [
  "HOST",
  "AUTH_MODE",
  "JWT_SECRET",
  "JWT_JWKS_URL",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_MAX_TOKEN_AGE_SECONDS",
  "ALLOWED_HOSTS",
  "METRICS_HOST",
  "REDIS_REST_BIND",
  "KAFKA_REST_BIND",
  "EVENT_SIGNING_KEY",
  "EVENT_VERIFICATION_KEYS",
];

type Name = "gateway" | "control" | "worker-1" | "redis-rest" | "kafka-rest";

/**
 * The command `npm start` runs for `name`, with the local defaults and `env` on top (the gateway's
 * spec is made with `env` too: on workers its socket comes from HOST and PORT), after what the
 * spec prepares (the Workers bundle and workerd's config).
 */
async function processOf(
  name: Name,
  env: Record<string, string>,
  runtime: GatewayRuntime = "node",
) {
  // workerd binds its socket as it loads the Worker: a port of its own, whatever else runs here.
  if (runtime === "workers" && env.PORT === undefined)
    env = { ...env, PORT: String(await freePort()) };
  const spec = appProcesses({
    env: stackEnv({}),
    workers: 1,
    gatewayRuntime: runtime,
    extraEnv: { gateway: env },
  }).find((candidate) => candidate.name === name) as ProcessSpec;
  await spec.prepare?.();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !DECIDING.includes(key)),
  );
  return spawn(spec.command, spec.args, {
    cwd: REPO_ROOT,
    env: { ...inherited, ...spec.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * What workerd writes itself after the line a refusing Worker wrote: the uncaught error that ends
 * the Worker's start (the entry throws it, as the other entries exit) and its stack.
 */
const WORKERD_REPORT = /^(service gateway: Uncaught Error: gateway did not start|\s+at )/;

/**
 * Runs the process to its end (30 s at most) and returns its exit code and what it wrote (on
 * workers, without workerd's own report of the refusal).
 */
async function refusal(name: Name, env: Record<string, string>, runtime?: GatewayRuntime) {
  const child = await processOf(name, env, runtime);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  if (runtime === "workers") {
    const lines = stderr.split("\n");
    expect(
      lines.some((line) => WORKERD_REPORT.test(line)),
      stderr,
    ).toBe(true);
    stderr = lines.filter((line) => !WORKERD_REPORT.test(line)).join("\n");
  }
  return { code, stdout, stderr };
}

/** Expects the process to have refused with exactly one line on stderr, matching `line`. */
function expectRefused(result: Awaited<ReturnType<typeof refusal>>, line: RegExp) {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
}

const SECRET = "a-production-secret-of-its-own-32+";

describe.each(GATEWAY_RUNTIMES)("the gateway on %s", (runtime) => {
  it("refuses a non-loopback HOST without AUTH_MODE, or in development mode", async () => {
    expectRefused(
      await refusal("gateway", { HOST: "0.0.0.0", PORT: String(await freePort()) }, runtime),
      /^gateway did not start: refusing to start on HOST=0\.0\.0\.0 without AUTH_MODE: .* set AUTH_MODE=jwt and JWT_SECRET or JWT_JWKS_URL$/,
    );
    expectRefused(
      await refusal(
        "gateway",
        { HOST: "0.0.0.0", AUTH_MODE: "development", PORT: String(await freePort()) },
        runtime,
      ),
      /^gateway did not start: refusing to start on HOST=0\.0\.0\.0 with AUTH_MODE=development: .* serves loopback only/,
    );
  });

  it("refuses JWT mode without a key, or with a secret under 32 bytes", async () => {
    expectRefused(
      await refusal("gateway", { HOST: "0.0.0.0", AUTH_MODE: "jwt" }, runtime),
      /^gateway did not start: refusing to start in JWT mode without a key: set JWT_SECRET .* or JWT_JWKS_URL$/,
    );
    expectRefused(
      await refusal("gateway", { AUTH_MODE: "jwt", JWT_SECRET: "short-secret" }, runtime),
      /^gateway did not start: JWT_SECRET is 12 bytes long, .* set JWT_SECRET to a longer one/,
    );
  });

  it("refuses JWT mode off loopback without an audience: tokens minted for another service would do", async () => {
    expectRefused(
      await refusal(
        "gateway",
        { HOST: "0.0.0.0", JWT_SECRET: SECRET, EVENT_SIGNING_KEY: `events-${SECRET}` },
        runtime,
      ),
      /^gateway did not start: refusing to start JWT mode on HOST=0\.0\.0\.0 without JWT_AUDIENCE: /,
    );
  });

  it("refuses to send the published internal token off loopback", async () => {
    expectRefused(
      await refusal(
        "gateway",
        { JWT_SECRET: SECRET, INTERNAL_API_URL: "http://control.internal:4001" },
        runtime,
      ),
      /^gateway did not start: refusing to send the development INTERNAL_API_TOKEN to control\.internal.*set INTERNAL_API_TOKEN/,
    );
  });

  it("refuses the development watch-token key off loopback", async () => {
    expectRefused(
      await refusal(
        "gateway",
        {
          HOST: "0.0.0.0",
          JWT_SECRET: SECRET,
          JWT_AUDIENCE: "coupon-drop",
          EVENT_SIGNING_KEY: `events-${SECRET}`,
        },
        runtime,
      ),
      /^gateway did not start: refusing to listen on 0\.0\.0\.0 with the development credentials.*set WATCH_TOKEN_SECRET/,
    );
  });

  it("starts in development mode on loopback with nothing set, and in JWT mode anywhere", async () => {
    for (const env of [
      {},
      {
        HOST: "0.0.0.0",
        JWT_SECRET: SECRET,
        JWT_AUDIENCE: "coupon-drop",
        EVENT_SIGNING_KEY: `events-${SECRET}`,
        WATCH_TOKEN_SECRET: `watch-${SECRET}`,
      },
    ] as Array<Record<string, string>>) {
      const port = String(await freePort());
      const child = await processOf("gateway", { ...env, PORT: port }, runtime);
      let exited = false;
      child.once("exit", () => (exited = true));
      try {
        await waitUntil(
          async () => {
            if (exited) throw new Error(`the gateway exited with ${JSON.stringify(env)}`);
            const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
            return health?.status === 200;
          },
          { what: `the gateway to serve with ${JSON.stringify(env)}` },
        );
      } finally {
        const gone = new Promise((resolve) =>
          exited ? resolve(null) : child.once("exit", resolve),
        );
        child.kill("SIGTERM");
        await gone;
      }
    }
  });
});

describe("the processes behind the gateway", () => {
  it("the control process refuses the published internal token off loopback, and a short own one", async () => {
    const port = await freePort();
    expectRefused(
      await refusal("control", { INTERNAL_API_URL: `http://0.0.0.0:${port}` }),
      /^control did not start: refusing to listen on 0\.0\.0\.0 with the development credentials.*set INTERNAL_API_TOKEN/,
    );
    expectRefused(
      await refusal("control", { INTERNAL_API_TOKEN: "own-but-short" }),
      /^control did not start: INTERNAL_API_TOKEN is 13 bytes long/,
    );
  });

  it("a worker refuses to serve its metrics off loopback with the published token", async () => {
    expectRefused(
      await refusal("worker-1", { METRICS_HOST: "0.0.0.0" }),
      /^issue worker did not start: refusing to listen on 0\.0\.0\.0 with the development credentials.*set INTERNAL_API_TOKEN/,
    );
  });

  it("the proxies refuse the published credentials off loopback, and short ones of their own", async () => {
    expectRefused(
      await refusal("redis-rest", { REDIS_REST_BIND: "0.0.0.0" }),
      /^Redis REST proxy did not start: refusing to listen on 0\.0\.0\.0 with the development credentials.*set REDIS_REST_TOKEN/,
    );
    expectRefused(
      await refusal("kafka-rest", { KAFKA_REST_BIND: "0.0.0.0" }),
      /did not start: refusing to listen on 0\.0\.0\.0 with the development credentials.*KAFKA_REST_PASSWORD/,
    );
    expectRefused(
      await refusal("redis-rest", { REDIS_REST_TOKEN: "own-but-short" }),
      /^Redis REST proxy did not start: REDIS_REST_TOKEN is 13 bytes long/,
    );
  });
});
