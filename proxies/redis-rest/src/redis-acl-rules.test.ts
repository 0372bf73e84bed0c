import { describe, expect, it } from "vitest";
import { commandsOfScripts, proxyAclRules, proxyRedisCommands } from "./redis-acl-rules.ts";

describe("the Redis ACL rules of the proxy's connection", () => {
  it("allow every command the project's scripts call", () => {
    const commands = new Set(proxyRedisCommands());
    const called = commandsOfScripts();
    expect(called).toEqual(expect.arrayContaining(["hget", "hset", "zadd", "publish", "time"]));
    for (const command of called) expect(commands, command).toContain(command);
    expect(commandsOfScripts(["redis.call('HGET', k)", 'redis.pcall("Zadd", k)'])).toEqual([
      "hget",
      "zadd",
    ]);
  });

  it("allow no admin, flush, configuration, migration or blocking command", () => {
    const commands = new Set(proxyRedisCommands());
    for (const refused of [
      "flushall",
      "flushdb",
      "config",
      "config|set",
      "script|flush",
      "script|kill",
      "function",
      "migrate",
      "restore",
      "debug",
      "shutdown",
      "acl",
      "module",
      "keys",
      "swapdb",
      "replicaof",
      "client|kill",
      "blpop",
    ])
      expect(commands, refused).not.toContain(refused);
  });

  it("start from no command at all, on every key and channel", () => {
    expect(proxyAclRules(["get", "script|load"])).toEqual([
      "resetkeys",
      "~*",
      "resetchannels",
      "&*",
      "-@all",
      "+get",
      "+script|load",
    ]);
  });
});
