import { describe, expect, it } from "vitest";
import { expandIncludes, isLuaSourcesCurrent } from "./generate-lua-sources.ts";

describe("lua-sources.generated.ts", () => {
  it("matches the .lua files (run npm run generate)", () => {
    expect(isLuaSourcesCurrent()).toBe(true);
  });
});

describe("expandIncludes", () => {
  const files: Record<string, string> = {
    "lib/a.lua": "local function a() return 1 end\n",
    "lib/nested.lua": "--@include lib/a.lua\n",
  };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error(`no ${path}`);
    return text;
  };

  it("replaces each include line by the file, and leaves every other line as it is", () => {
    const source = "-- header\n--@include lib/a.lua\nreturn a()\n";
    expect(expandIncludes(source, read)).toBe(
      "-- header\nlocal function a() return 1 end\nreturn a()\n",
    );
    expect(expandIncludes("-- no include here\n", read)).toBe("-- no include here\n");
  });

  it("refuses nested includes and names a missing file", () => {
    expect(() => expandIncludes("--@include lib/nested.lua\n", read)).toThrow(/do not nest/);
    expect(() => expandIncludes("--@include lib/missing.lua\n", read)).toThrow(/no lib\/missing/);
  });
});
