/**
 * The import direction of the codebase, checked: each scope lists its layers from the bottom up,
 * and a module may import from its own part of a layer or from a lower layer, never from a higher
 * one or from a sibling in the same layer. The gateway must run on any Web-standard runtime, so no
 * module it reaches (its own or shared's) may import a Node built-in, except its Node entry point.
 * Run by `npm run check`; docs/architecture.md explains the layers.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";

export interface Scope {
  /** Folder the layers are named relative to ("" for the repository root). */
  scope: string;
  /**
   * Bottom layer first; each entry a folder (ending in "/") or a file relative to the scope. A file
   * entry `x.ts` also covers its tests `x.test.ts` and `x.<subject>.test.ts` (one file per subject
   * when one suite would be long). Every file in a scope's folders must be placed.
   */
  layers: string[][];
}

export const LAYERING: Scope[] = [
  {
    scope: "",
    layers: [
      ["shared/"],
      [
        "gateway/",
        "consumer/",
        "proxies/redis-rest/",
        "proxies/kafka-rest/",
        "examples/storefront/",
      ],
      ["stack/"],
      ["tests/", "tools/", "ops/"],
    ],
  },
  {
    scope: "consumer/src/",
    layers: [
      ["config.ts", "db/", "redis/", "kafka/", "monitoring/"],
      ["coupons/", "dead-letter/", "is-retriable.ts", "process-resources.ts"],
      ["issue-worker/", "reconciler/", "internal-api/", "admin/", "dashboard/"],
      ["control/", "stream-worker/"],
    ],
  },
  {
    scope: "gateway/src/",
    layers: [
      // The formats config.ts reads a trusted-documents manifest in.
      ["trusted-document-manifest.ts"],
      [
        "config.ts",
        "graphiql-examples.ts",
        "graphiql-page.ts",
        "project-documents.ts",
        "identity/",
        "redis/",
        "events/",
        "protection/",
        "metrics/",
      ],
      ["status/"],
      ["transports/"],
      ["admission/"],
      ["schema/"],
      ["press/", "websocket/"],
      ["app.ts"],
      ["main-deno.ts", "main-node.ts", "main-workers.ts", "workers-runtime.d.ts"],
    ],
  },
  {
    // The page's own code (src/) knows nothing of how it is built or served.
    scope: "examples/storefront/",
    layers: [["src/"], ["codegen.ts", "server/"]],
  },
];

/** Test code may also use the system-level test support (it starts processes and services). */
const TEST_SUPPORT = "tests/support/";
/** The gateway's one module that may use Node's own APIs. */
const GATEWAY_NODE_ENTRY = "gateway/src/main-node.ts";
const SOURCE_ROOTS = [
  "shared",
  "gateway",
  "consumer",
  "proxies",
  "examples",
  "stack",
  "tests",
  "tools",
];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const isTestCode = (file: string) => file.endsWith(".test.ts") || file.includes("/test-support/");

/** The module specifiers a TypeScript file imports or re-exports, static and dynamic. */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^\s*(?:import|export)\s[^"';]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern)) found.add(match[1] as string);
  return [...found];
}

/** Subpath imports (`#shared/...`) from package.json, as prefix → folder. */
function subpathImports(root: string): [string, string][] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    imports?: Record<string, string>;
  };
  return Object.entries(pkg.imports ?? {}).map(([alias, target]) => [
    alias.replace(/\*$/, ""),
    posix.normalize(target.replace(/\*$/, "")),
  ]);
}

/** Repository-relative path of an imported project file, or null for a package or built-in. */
function resolveSpecifier(
  from: string,
  specifier: string,
  aliases: [string, string][],
): string | null {
  if (specifier.startsWith(".")) return posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const [alias, target] of aliases)
    if (specifier.startsWith(alias)) return posix.join(target, specifier.slice(alias.length));
  return null;
}

/** Which part of which layer of a scope a file belongs to, or null when outside the scope. */
function placeIn(scope: Scope, file: string): { layer: number; part: string } | null {
  if (!file.startsWith(scope.scope)) return null;
  const rest = file.slice(scope.scope.length);
  const covers = (part: string) =>
    part.endsWith("/")
      ? rest.startsWith(part)
      : rest === part ||
        rest === part.replace(/\.ts$/, ".test.ts") ||
        (rest.startsWith(part.replace(/\.ts$/, ".")) &&
          /^[\w-]+\.test\.ts$/.test(rest.slice(part.length - 2)));
  for (const [layer, parts] of scope.layers.entries())
    for (const part of parts) if (covers(part)) return { layer, part };
  return null;
}

/** A file inside a scope (below its top level for the root scope) that no layer names. */
function unplaced(file: string): string | null {
  for (const scope of LAYERING) {
    if (!file.startsWith(scope.scope) || placeIn(scope, file)) continue;
    if (scope.scope === "" && !file.includes("/")) continue;
    return `${file} is in no layer of ${scope.scope || "the repository"}: add it to LAYERING`;
  }
  return null;
}

function layerViolation(file: string, target: string): string | null {
  for (const scope of LAYERING) {
    const from = placeIn(scope, file);
    const to = placeIn(scope, target);
    if (!from || !to || from.part === to.part) continue;
    const where = (p: { part: string }) => `${scope.scope}${p.part}`;
    if (to.layer > from.layer) return `${where(from)} is below ${where(to)}`;
    if (to.layer === from.layer) return `${where(from)} and ${where(to)} are siblings`;
  }
  return null;
}

function sourceFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(path);
      return entry.name.endsWith(".ts") ? [path] : [];
    });
  return SOURCE_ROOTS.filter((dir) => existsSync(join(root, dir))).flatMap(walk);
}

/** Every import in the tree under `root` that goes against the layering or the runtime rule. */
export function findViolations(root: string): Violation[] {
  const aliases = subpathImports(root);
  const files = sourceFiles(root);
  const violations: Violation[] = [];
  const graph = new Map<string, { project: string[]; builtins: string[] }>();

  for (const file of files) {
    const missing = unplaced(file);
    if (missing) violations.push({ file, imports: "", rule: missing });
    const project: string[] = [];
    const builtins: string[] = [];
    for (const specifier of importSpecifiers(readFileSync(join(root, file), "utf8"))) {
      if (specifier.startsWith("node:")) builtins.push(specifier);
      const target = resolveSpecifier(file, specifier, aliases);
      if (target === null) continue;
      project.push(target);
      if (isTestCode(file) && target.startsWith(TEST_SUPPORT)) continue;
      const rule = layerViolation(file, target);
      if (rule) violations.push({ file, imports: specifier, rule });
    }
    graph.set(file, { project, builtins });
  }

  // Everything the gateway's Web-standard code reaches must itself be Web-standard.
  const reached = new Set<string>();
  const pending = files.filter(
    (f) => f.startsWith("gateway/") && f !== GATEWAY_NODE_ENTRY && !isTestCode(f),
  );
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (reached.has(file)) continue;
    reached.add(file);
    const node = graph.get(file);
    if (!node) continue;
    for (const builtin of node.builtins)
      violations.push({
        file,
        imports: builtin,
        rule: `the gateway runs on Web-standard runtimes; only ${GATEWAY_NODE_ENTRY} may use Node's APIs`,
      });
    pending.push(...node.project);
  }
  return violations;
}

if (import.meta.main) {
  const root = join(dirname(import.meta.filename), "..", "..");
  const violations = findViolations(root);
  for (const v of violations)
    console.error(
      `${relative(process.cwd(), join(root, v.file))}: ${v.imports ? `imports ${v.imports} ` : ""}(${v.rule})`,
    );
  if (violations.length > 0) {
    console.error(`${violations.length} import(s) against the layering (docs/architecture.md)`);
    process.exit(1);
  }
  console.log("imports follow the layering");
}
