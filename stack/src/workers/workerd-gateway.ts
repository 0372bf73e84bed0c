// The gateway on the Workers runtime, locally: bundled by wrangler exactly as `wrangler deploy`
// would upload it, then served by workerd (the runtime Cloudflare's network runs) from a config
// written here. workerd rather than `wrangler dev`: one process (the benchmark counts its CPU), no
// proxy in front, no login or download, and a start in seconds.
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
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
  host: string;
  port: number;
  /** Bindings read from workerd's environment when it starts: settings and secrets stay out of files. */
  environmentBindings: readonly string[];
}

const capnpString = (text: string) => JSON.stringify(text);

/**
 * workerd's configuration (Cap'n Proto text) for the gateway Worker: one socket on host:port, the
 * settings as bindings from the environment, HOST as text (the Worker counts as public without it:
 * gateway/src/main-workers.ts), and outbound fetch to any address, the proxies on loopback included.
 */
export function workerdConfig({
  module,
  compatibilityDate,
  compatibilityFlags,
  host,
  port,
  environmentBindings,
}: WorkerdConfigOptions): string {
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const bindings = [
    `(name = "HOST", text = ${capnpString(host)})`,
    ...environmentBindings
      .filter((name) => name !== "HOST")
      .map((name) => `(name = ${capnpString(name)}, fromEnvironment = ${capnpString(name)})`),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = ${capnpString(address)}, http = (), service = "gateway")],
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

/**
 * Bundles gateway/src/main-workers.ts into `dir` with wrangler's own build (`deploy --dry-run`:
 * nothing is uploaded, no account asked for), and answers the bundle's file name.
 */
export async function bundleGatewayWorker(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await run(
    process.execPath,
    [WRANGLER, "deploy", "--dry-run", "--outdir", dir, "--config", WRANGLER_CONFIG],
    // No telemetry, no update check, no prompt: the machine may have no way out.
    { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" },
  );
  const bundle = (await readdir(dir)).find((file) => file.endsWith(".js"));
  if (!bundle) throw new Error(`wrangler wrote no bundle into ${dir}`);
  return bundle;
}

/** Bundles the gateway and writes workerd's config for it; answers the config's path. */
export async function prepareWorkerdGateway({
  dir,
  env,
}: {
  dir: string;
  /** The environment workerd will start with: which settings to bind. */
  env: Record<string, string | undefined>;
}): Promise<string> {
  const module = await bundleGatewayWorker(dir);
  const wrangler = JSON.parse(await readFile(WRANGLER_CONFIG, "utf8")) as {
    compatibility_date: string;
    compatibility_flags?: string[];
  };
  const configPath = join(dir, "workerd.capnp");
  await writeFile(
    configPath,
    workerdConfig({
      module,
      compatibilityDate: wrangler.compatibility_date,
      compatibilityFlags: wrangler.compatibility_flags ?? [],
      host: env.HOST ?? LOCAL_DEFAULTS.HOST,
      port: Number(env.PORT ?? LOCAL_DEFAULTS.PORT),
      environmentBindings: GATEWAY_ENV_NAMES.filter((name) => env[name] !== undefined),
    }),
  );
  return configPath;
}

/**
 * The gateway as a workerd process: bundled and configured before each start (under `.data/`,
 * one directory per port), settings bound from the environment the supervisor starts it with.
 */
export function workerdGatewaySpec({
  env,
  healthUrl,
}: {
  env: Record<string, string>;
  healthUrl: string;
}): ProcessSpec {
  const dir = join(DATA_DIR, "workers", `gateway-${env.PORT ?? LOCAL_DEFAULTS.PORT}`);
  return {
    name: "gateway",
    command: WORKERD,
    args: ["serve", join(dir, "workerd.capnp")],
    env,
    healthUrl,
    prepare: async () => {
      await prepareWorkerdGateway({ dir, env: { ...process.env, ...env } });
    },
  };
}
