// The gateway on the Workers runtime, locally: bundled by wrangler exactly as `wrangler deploy`
// would upload it, then served by workerd (the runtime Cloudflare's network runs) from a config
// written here. workerd rather than `wrangler dev`: one process (the benchmark counts its CPU), no
// proxy in front, no login or download, and a start in seconds.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GATEWAY_ENV_NAMES } from "#gateway/config.ts";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { DATA_DIR, REPO_ROOT } from "../paths.ts";
import type { ProcessSpec } from "../supervisor/supervisor.ts";

/** The Worker's deploy settings: its entry, compatibility date and flags (one source for both). */
export const WRANGLER_CONFIG = join(REPO_ROOT, "gateway", "wrangler.json");
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** The workerd binary itself (the npm package's bin is the native executable, no wrapper). */
export const WORKERD = join(REPO_ROOT, "node_modules", ".bin", "workerd");

export interface WorkerdConfigOptions {
  /** The bundled module, relative to the config file. */
  module: string;
  compatibilityDate: string;
  compatibilityFlags: readonly string[];
}

/** The socket's name in the config; its address comes from workerd's command line. */
const SOCKET = "http";

const capnpString = (text: string) => JSON.stringify(text);

/**
 * workerd's configuration (Cap'n Proto text) for the gateway Worker: one socket (its address given
 * on the command line, `--socket-addr`, so one config serves every gateway), every
 * setting the gateway reads bound from workerd's environment (an unset one binds null, which the
 * entry ignores; settings and secrets stay out of files), and outbound fetch to any address, the
 * proxies on loopback included.
 */
export function workerdConfig({
  module,
  compatibilityDate,
  compatibilityFlags,
}: WorkerdConfigOptions): string {
  const bindings = GATEWAY_ENV_NAMES.map(
    (name) => `(name = ${capnpString(name)}, fromEnvironment = ${capnpString(name)})`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "${SOCKET}", address = "${LOCAL_DEFAULTS.HOST}:${LOCAL_DEFAULTS.PORT}", http = (), service = "gateway")],
);

const gateway :Workerd.Worker = (
  modules = [(name = ${capnpString(module)}, esModule = embed ${capnpString(module)})],
  compatibilityDate = ${capnpString(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(capnpString).join(", ")}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  globalOutbound = "internet",
);
`;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`${args.slice(0, 3).join(" ")} failed (${code}):\n${output}`);
  return output;
}

const BUNDLE_NAME = "main-workers.js";

/**
 * gateway/src/main-workers.ts bundled with wrangler's own build (`deploy --dry-run`: nothing is
 * uploaded, no account asked for), as the text of one module.
 */
export async function bundleGatewayWorker(): Promise<string> {
  const workers = join(DATA_DIR, "workers");
  await mkdir(workers, { recursive: true });
  const dir = await mkdtemp(join(workers, "bundle-"));
  try {
    await run(
      process.execPath,
      [WRANGLER, "deploy", "--dry-run", "--outdir", dir, "--config", WRANGLER_CONFIG],
      // No telemetry, no update check, no prompt: the machine may have no way out.
      { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" },
    );
    return await readFile(join(dir, BUNDLE_NAME), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// One build per process: every gateway a test run or npm start starts serves the same code.
let bundle: Promise<string> | undefined;

/** Replaces `path` whole: a workerd starting meanwhile reads the old file or the new, never half. */
async function writeWhole(path: string, text: string): Promise<void> {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, text);
  await rename(partial, path);
}

/** Writes the bundle and workerd's config into `dir`; answers the config's path. */
export async function prepareWorkerdGateway(dir: string): Promise<string> {
  if (!bundle) {
    bundle = bundleGatewayWorker();
    // A failed build is tried again by the next start.
    bundle.catch(() => {
      bundle = undefined;
    });
  }
  const wrangler = JSON.parse(await readFile(WRANGLER_CONFIG, "utf8")) as {
    compatibility_date: string;
    compatibility_flags?: string[];
  };
  await mkdir(dir, { recursive: true });
  await writeWhole(join(dir, BUNDLE_NAME), await bundle);
  const config = join(dir, "workerd.capnp");
  await writeWhole(
    config,
    workerdConfig({
      module: BUNDLE_NAME,
      compatibilityDate: wrangler.compatibility_date,
      compatibilityFlags: wrangler.compatibility_flags ?? [],
    }),
  );
  return config;
}

/**
 * The gateway as a workerd process on HOST:PORT, bundled and configured before it starts (under
 * `.data/workers/gateway/`). HOST is always set: a Worker without it counts as public
 * (gateway/src/main-workers.ts), and locally it is workerd's socket.
 */
export function workerdGatewaySpec({
  env,
  healthUrl,
}: {
  env: Record<string, string>;
  healthUrl: string;
}): ProcessSpec {
  const host = env.HOST ?? LOCAL_DEFAULTS.HOST;
  const port = env.PORT ?? LOCAL_DEFAULTS.PORT;
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const dir = join(DATA_DIR, "workers", "gateway");
  return {
    name: "gateway",
    command: WORKERD,
    args: ["serve", join(dir, "workerd.capnp"), "--socket-addr", `${SOCKET}=${address}`],
    env: { ...env, HOST: host },
    healthUrl,
    // workerd does not watch its stdin: the supervisor ties it to its own life another way.
    exitsWithStdin: false,
    prepare: async () => {
      await prepareWorkerdGateway(dir);
    },
  };
}
