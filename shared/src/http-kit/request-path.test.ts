import { describe, expect, it } from "vitest";
import { pathOf } from "./request-path.ts";

describe("pathOf", () => {
  it("reads the path of a Web Request's absolute URL and of a bare path alike, without the query", () => {
    for (const url of ["http://gateway:4000/graphql?x=1", "/graphql?x=1", "/graphql"])
      expect(pathOf(url)).toBe("/graphql");
    expect(pathOf("http://gateway:4000")).toBe("/");
    expect(pathOf("/")).toBe("/");
  });
});
