// The page's bundle: esbuild, from src/main.ts, with the HTML and CSS beside it. `node
// examples/storefront/server/build.ts <dir>` writes the files for a static host (add config.json).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const SOURCE = join(import.meta.dirname, "..", "src");

/** A built page: URL path → file. */
export type StorefrontFiles = ReadonlyMap<string, { body: Uint8Array; contentType: string }>;

/**
 * Bundles the page in memory (tens of milliseconds): no output folder to share or go stale, so a
 * fresh clone, a second run and a test each serve what the sources say now.
 */
export async function buildStorefront({
  minify = true,
}: {
  minify?: boolean;
} = {}): Promise<StorefrontFiles> {
  const result = await build({
    entryPoints: [join(SOURCE, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    sourcemap: "linked",
    outdir: "/",
    write: false,
    logLevel: "silent",
    // urql reads process.env.NODE_ENV for its development warnings.
    define: { "process.env.NODE_ENV": minify ? '"production"' : '"development"' },
  });
  const files = new Map<string, { body: Uint8Array; contentType: string }>();
  for (const file of result.outputFiles) {
    const path = `/${file.path.split("/").pop()}`;
    const contentType = path.endsWith(".map")
      ? "application/json"
      : "text/javascript; charset=utf-8";
    files.set(path, { body: file.contents, contentType });
  }
  files.set("/index.html", {
    body: await readFile(join(SOURCE, "index.html")),
    contentType: "text/html; charset=utf-8",
  });
  files.set("/style.css", {
    body: await readFile(join(SOURCE, "style.css")),
    contentType: "text/css; charset=utf-8",
  });
  return files;
}

if (import.meta.main) {
  const [outdir] = process.argv.slice(2);
  if (!outdir) {
    console.error("usage: node examples/storefront/server/build.ts <output folder>");
    process.exit(2);
  }
  for (const [path, file] of await buildStorefront()) {
    await mkdir(dirname(join(outdir, path)), { recursive: true });
    await writeFile(join(outdir, path), file.body);
  }
  console.log(`storefront written to ${outdir} (add config.json: {"graphqlUrl": "..."})`);
}
