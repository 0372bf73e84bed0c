import { describe, expect, it } from "vitest";
import { isLuaSourcesCurrent } from "./generate-lua-sources.ts";

describe("lua-sources.generated.ts", () => {
  it("matches the .lua files (run npm run generate)", () => {
    expect(isLuaSourcesCurrent()).toBe(true);
  });
});
