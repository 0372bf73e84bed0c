import { describe, expect, it } from "vitest";
import { refusal } from "./command-policy.ts";

describe("refusal", () => {
  it("serves what the project uses, in any case", () => {
    for (const command of [
      ["GET", "k"],
      ["evalsha", "abc", 0],
      ["Script", "LOAD", "return 1"],
      ["script", "exists", "abc"],
      ["PUBLISH", "c", "m"],
      ["HSCAN", "h", 0],
    ]) {
      expect(refusal(command)).toBeUndefined();
    }
  });

  it("refuses admin, dangerous, blocking and connection-state commands by name", () => {
    for (const name of [
      "FLUSHALL",
      "flushdb",
      "CONFIG",
      "KEYS",
      "SHUTDOWN",
      "DEBUG",
      "MODULE",
      "CLIENT",
      "MONITOR",
      "SUBSCRIBE",
      "SAVE",
      "BGSAVE",
      "REPLICAOF",
      "ACL",
      "MIGRATE",
      "SELECT",
      "WATCH",
      "MULTI",
      "BLPOP",
    ]) {
      expect(refusal([name])).toBe(
        `ERR command '${name.toLowerCase()}' is not allowed by this proxy`,
      );
    }
    expect(refusal(["SCRIPT", "FLUSH"])).toMatch(/'script flush' is not allowed/);
    expect(refusal(["script", "kill"])).toMatch(/'script kill' is not allowed/);
  });
});
