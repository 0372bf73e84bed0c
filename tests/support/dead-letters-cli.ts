import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "#stack/paths.ts";

/** Runs `npm run dead-letters -- <args>` as an operator would, against the given system. */
export async function deadLettersCli(
  args: string[],
  env: { INTERNAL_API_URL: string; INTERNAL_API_TOKEN: string },
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, "consumer/src/admin/dead-letters-cli.ts"), ...args],
    { env: { ...process.env, ...env }, cwd: REPO_ROOT },
  );
  return stdout;
}
