import { describe, expect, it } from "vitest";
import { commaList, splitCommaList } from "./comma-list.ts";

describe("comma lists", () => {
  it("trims items and drops blank ones", () => {
    expect(splitCommaList(" a, b,,c , ")).toEqual(["a", "b", "c"]);
    expect(splitCommaList(" , ")).toEqual([]);
    expect(commaList.parse("k1:9092, k2:9092")).toEqual(["k1:9092", "k2:9092"]);
  });
});
