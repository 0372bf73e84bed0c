import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The rule files as Prometheus reads them, and their unit tests, through Prometheus's own tool.
const HERE = import.meta.dirname;
const ruleFiles = readdirSync(HERE).filter((f) => f.endsWith(".rules.yml"));
const ruleTests = readdirSync(HERE).filter((f) => f.endsWith(".test.yml"));

function promtool(...args: string[]) {
  const run = spawnSync("promtool", args, { cwd: HERE, encoding: "utf8" });
  expect(run.error, "promtool is installed (apt-get install prometheus)").toBeUndefined();
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the Prometheus rules in ops/prometheus", () => {
  it("are rule files promtool accepts", () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    const check = promtool("check", "rules", ...ruleFiles);
    expect(check.output).toMatch(/SUCCESS/);
    expect(check.status, check.output).toBe(0);
  });

  it("pass their unit tests (promtool test rules)", () => {
    expect(ruleTests.length).toBeGreaterThan(0);
    const run = promtool("test", "rules", ...ruleTests);
    expect(run.status, run.output).toBe(0);
  });

  it("and the example configuration loads them", () => {
    const check = promtool("check", "config", join(HERE, "prometheus.example.yml"));
    expect(check.status, check.output).toBe(0);
  });
});
