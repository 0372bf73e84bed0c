// The supervisor's children end when their stdin pipe from it closes (what happens to them when the
// launcher dies, SIGKILL included): each entry point the stack runs, on each runtime.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "#test-support/system.ts";
import { waitUntil } from "#test-support/wait.ts";
import { REPO_ROOT } from "../paths.ts";

const deno = join(REPO_ROOT, "node_modules", ".bin", "deno");
const entries = {
  "gateway on Deno": [
    deno,
    ["run", "--node-modules-dir=manual", "--allow-net", "--allow-env", "--allow-read"],
    "gateway/src/main-deno.ts",
  ],
  "gateway on Node": [process.execPath, [], "gateway/src/main-node.ts"],
} as const;

describe.each(Object.entries(entries))("%s under a supervisor", (_, [command, flags, entry]) => {
  it("shuts down when its stdin pipe closes, and only then", async () => {
    const port = await freePort();
    const child = spawn(command, [...flags, entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), EXIT_ON_STDIN_EOF: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await waitUntil(() => output.includes("listening"), { timeoutMs: 60_000, what: "listening" });
    expect(child.exitCode).toBeNull();
    child.stdin.end();
    await exited;
    expect(output).toContain("supervisor gone (stdin closed): shutting down");
  });
});
