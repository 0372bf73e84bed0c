import { describe, expect, it } from "vitest";
import { createLogger, logSettingsOf, readLogSettings } from "./logger.ts";

describe("log settings", () => {
  it("default to info, readable lines, and JSON in production", () => {
    expect(readLogSettings({})).toEqual({ level: "info", format: "pretty" });
    expect(readLogSettings({ NODE_ENV: "production" })).toEqual({ level: "info", format: "json" });
    expect(readLogSettings({ NODE_ENV: "production", LOG_FORMAT: "pretty" }).format).toBe("pretty");
    expect(logSettingsOf({ LOG_LEVEL: "debug", LOG_FORMAT: "json" })).toEqual({
      level: "debug",
      format: "json",
    });
  });

  it("refuse a level pino does not know", () => {
    expect(() => readLogSettings({ LOG_LEVEL: "loud" })).toThrow();
  });
});

describe("the process logger", () => {
  it("writes one JSON object a line, with the process's name and a child's ids", () => {
    const lines: string[] = [];
    const logger = createLogger(
      "control",
      { level: "info", format: "json" },
      {
        write: (line) => lines.push(line),
      },
    );
    logger.child({ requestId: "r-1" }).warn({ couponId: "7" }, "re-produced");
    logger.debug("below the level");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 40,
      name: "control",
      requestId: "r-1",
      couponId: "7",
      msg: "re-produced",
    });
  });

  it("writes a readable line in the pretty format, ids included", () => {
    const lines: string[] = [];
    const logger = createLogger(
      "control",
      { level: "info", format: "pretty" },
      {
        write: (line) => lines.push(line),
      },
    );
    logger.child({ requestId: "r-1" }).info("re-produced");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: re-produced \{"requestId":"r-1"\}\n$/,
    );
  });
});
