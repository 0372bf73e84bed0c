import { describe, expect, it } from "vitest";
import { createRedisKeys, requestIndexKey, requestStatusChannel } from "#shared/redis/keys.ts";
import { LUA_SOURCES } from "#shared/redis/lua-sources.generated.ts";
import { createCommandPolicy, projectScripts } from "./command-policy.ts";

const requestId = "0192f3a4-5b6c-7d8e-9f01-23456789abcd";
const admit = projectScripts().find((s) => s.source === LUA_SOURCES.admit);
if (!admit) throw new Error("admit.lua is a project script");

describe("the project profile (the default)", () => {
  const policy = createCommandPolicy();

  it("serves what the gateway sends: its scripts, the request index, PING", () => {
    for (const command of [
      ["EVALSHA", admit.sha1, 5, "k1", "k2", "k3", "k4", "k5", "1", requestId, "7", "t"],
      ["evalsha", admit.sha1.toUpperCase(), 0],
      ["GET", requestIndexKey(requestId)],
      ["set", requestIndexKey(requestId), "7", "ex", 604800],
      ["PING"],
    ]) {
      expect(policy.check(command)).toHaveProperty("command");
    }
  });

  it("runs EVAL of a project script by its SHA, and refuses EVAL of any other Lua", () => {
    expect(policy.check(["EVAL", LUA_SOURCES.admit, 0])).toEqual({
      command: ["EVALSHA", admit.sha1, 0],
    });
    for (const source of ["return redis.call('FLUSHALL')", "while true do end", "return 1"]) {
      expect(policy.check(["EVAL", source, 0])).toEqual({
        refused: "ERR eval of a script other than the project's is not allowed by this proxy",
      });
    }
    expect(policy.check(["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff831", 0])).toEqual({
      refused: "ERR evalsha of a script other than the project's is not allowed by this proxy",
    });
  });

  it("refuses what the gateway never sends, data commands included", () => {
    for (const name of [
      "DEL",
      "RENAME",
      "PUBLISH",
      "HSET",
      "FLUSHALL",
      "CONFIG",
      "KEYS",
      "EXPIRE",
    ]) {
      expect(policy.check([name, "k"])).toEqual({
        refused: `ERR command '${name.toLowerCase()}' is not allowed by this proxy`,
      });
    }
    expect(policy.check(["SCRIPT", "LOAD", "return 1"])).toEqual({
      refused: "ERR command 'script load' is not allowed by this proxy",
    });
  });

  it("lets GET and SET touch request index keys only, SET only with an expiry", () => {
    const admission = "coupon:{coupon:7}:meta";
    expect(policy.check(["GET", admission])).toEqual({
      refused: `ERR get of key '${admission}' is not allowed by this proxy`,
    });
    expect(policy.check(["SET", admission, "x", "EX", 60])).toHaveProperty("refused");
    expect(policy.check(["SET", requestIndexKey("not-a-uuid"), "7", "EX", 60])).toHaveProperty(
      "refused",
    );
    expect(policy.check(["SET", requestIndexKey(requestId), "7"])).toEqual({
      refused: "ERR set is allowed by this proxy only as SET key value EX seconds",
    });
  });

  it("serves subscriptions to request status channels only", () => {
    expect(policy.channelRefusal("subscribe", requestStatusChannel(requestId))).toBeUndefined();
    expect(policy.channelRefusal("subscribe", "issue-status:anything")).toMatch(/not allowed/);
    expect(policy.channelRefusal("psubscribe", "issue-status:*")).toMatch(/not allowed/);
  });

  it("with the gateway's key prefix, serves that prefix's index keys and channels alone", () => {
    const prefixed = createCommandPolicy({ keyPrefix: "drop-a:" });
    const keys = createRedisKeys("drop-a:");
    expect(prefixed.check(["GET", keys.requestIndex(requestId)])).toHaveProperty("command");
    expect(prefixed.channelRefusal("subscribe", keys.statusChannel(requestId))).toBeUndefined();
    expect(prefixed.check(["GET", requestIndexKey(requestId)])).toHaveProperty("refused");
    expect(prefixed.channelRefusal("subscribe", requestStatusChannel(requestId))).toMatch(
      /not allowed/,
    );
  });
});

describe("the upstash profile", () => {
  const policy = createCommandPolicy({ profile: "upstash" });

  it("serves the common data commands, in any case", () => {
    for (const command of [
      ["GET", "k"],
      ["del", "k"],
      ["PUBLISH", "c", "m"],
      ["HSCAN", "h", 0],
      ["script", "exists", "abc"],
    ]) {
      expect(policy.check(command)).toEqual({ command });
    }
    expect(policy.channelRefusal("psubscribe", "any*")).toBeUndefined();
  });

  it("still runs no Lua but the project's", () => {
    expect(policy.check(["EVAL", "return redis.call('FLUSHALL')", 0])).toHaveProperty("refused");
    expect(policy.check(["SCRIPT", "LOAD", "return 1"])).toHaveProperty("refused");
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
      expect(policy.check([name])).toEqual({
        refused: `ERR command '${name.toLowerCase()}' is not allowed by this proxy`,
      });
    }
    expect(policy.check(["SCRIPT", "FLUSH"])).toHaveProperty(
      "refused",
      expect.stringMatching(/'script flush' is not allowed/),
    );
    expect(policy.check(["script", "kill"])).toHaveProperty(
      "refused",
      expect.stringMatching(/'script kill' is not allowed/),
    );
  });
});

describe("a coupon's issue stream (the REDIS_STREAM pipeline)", () => {
  it("is written only by the project's scripts: every stream command is refused in either profile", () => {
    const stream = createRedisKeys().coupon("7").stream;
    for (const profile of ["project", "upstash"] as const) {
      const policy = createCommandPolicy({ profile });
      for (const command of [
        ["XADD", stream, "*", "event", "{}"],
        ["XDEL", stream, "0-1"],
        ["XTRIM", stream, "MAXLEN", "0"],
        ["XACK", stream, "g", "0-1"],
        ["XGROUP", "DESTROY", stream, "g"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", stream, ">"],
        ["XAUTOCLAIM", stream, "g", "c", "0", "0"],
        ["XSETID", stream, "0-1"],
      ]) {
        expect(policy.check(command), `${profile}: ${command[0]}`).toHaveProperty("refused");
      }
    }
  });
});
