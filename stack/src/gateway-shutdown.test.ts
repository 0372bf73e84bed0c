import { spawn } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "#test-support/system.ts";
import { waitUntil } from "#test-support/wait.ts";
import { appProcesses, GATEWAY_RUNTIMES } from "./app-processes.ts";
import { REPO_ROOT } from "./paths.ts";
import { stackEnv } from "./stack-env.ts";

// A gateway told to stop (SIGTERM, as the launcher and any orchestrator do) exits after its grace
// period even while a client holds a subscription's stream open: Deno's server waited for every
// connection it held, so a watcher nobody ended kept the process, and its port, forever.
describe.each(GATEWAY_RUNTIMES.filter((runtime) => runtime !== "workers"))(
  "the gateway on %s, stopped",
  (runtime) => {
    it("exits while an SSE stream is still open", async () => {
      const port = String(await freePort());
      const spec = appProcesses({
        env: stackEnv({ PORT: port }),
        gatewayRuntime: runtime,
      }).find((candidate) => candidate.name === "gateway");
      if (!spec) throw new Error("no gateway spec");
      const child = spawn(spec.command, spec.args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...spec.env, PORT: port },
        stdio: ["ignore", "ignore", "ignore"],
      });
      let exited = false;
      child.once("exit", () => (exited = true));
      try {
        await waitUntil(
          async () =>
            (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true,
          { what: "the gateway to serve" },
        );
        const stream = connect(Number(port), "127.0.0.1");
        let received = "";
        stream.on("data", (chunk) => (received += chunk));
        stream.on("error", () => {});
        const query = encodeURIComponent(
          'subscription { requestStatus(requestId: "0190a0a0-0000-7000-8000-000000000001") { status } }',
        );
        stream.write(
          `GET /graphql?query=${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nx-user-id: 7\r\n\r\n`,
        );
        await waitUntil(() => received.startsWith("HTTP/1.1 200"), { what: "the stream open" });
        child.kill("SIGTERM");
        await waitUntil(() => exited, { timeoutMs: 15_000, what: "the gateway to exit" });
        expect(child.exitCode ?? child.signalCode).not.toBeNull();
        stream.destroy();
      } finally {
        if (!exited) child.kill("SIGKILL");
      }
    });
  },
);
