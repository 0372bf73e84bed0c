import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findViolations, importSpecifiers } from "./import-direction.ts";

const repoRoot = join(import.meta.dirname, "..", "..");

describe("the repository's imports", () => {
  it("follow the layering (npm run check:imports prints the same)", () => {
    expect(findViolations(repoRoot)).toEqual([]);
  });
});

describe("findViolations", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function tree(files: Record<string, string>) {
    root = mkdtempSync(join(tmpdir(), "import-direction-"));
    const pkg = { imports: { "#shared/*": "./shared/src/*", "#consumer/*": "./consumer/src/*" } };
    writeFileSync(join(root, "package.json"), JSON.stringify(pkg));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return findViolations(root).map((v) => `${v.file} ${v.imports}`);
  }

  it("refuses a lower layer importing a higher one, through an alias or a relative path", () => {
    expect(
      tree({
        "shared/src/a.ts": 'import { b } from "#consumer/db/b.ts";\n',
        "consumer/src/db/b.ts": 'import { c } from "../control/main.ts";\n',
        "consumer/src/control/main.ts": 'import { a } from "#shared/a.ts";\n',
      }),
    ).toEqual(["shared/src/a.ts #consumer/db/b.ts", "consumer/src/db/b.ts ../control/main.ts"]);
  });

  it("places x.ts's tests x.test.ts and x.<subject>.test.ts with it, and no other file", () => {
    expect(
      tree({
        "gateway/src/app.ts": "export const a = 1;\n",
        "gateway/src/app.test.ts": 'import { a } from "./app.ts";\n',
        "gateway/src/app.press-fast-path.test.ts": 'import { a } from "./app.ts";\n',
        "gateway/src/apps.test.ts": 'import { a } from "./app.ts";\n',
      }),
    ).toEqual(["gateway/src/apps.test.ts "]);
  });

  it("refuses siblings of one layer importing each other", () => {
    expect(
      tree({
        "consumer/src/reconciler/r.ts": 'export { w } from "../issue-worker/w.ts";\n',
        "consumer/src/issue-worker/w.ts": "export const w = 1;\n",
      }),
    ).toEqual(["consumer/src/reconciler/r.ts ../issue-worker/w.ts"]);
  });

  it("refuses a Node built-in anywhere the gateway's Web-standard code reaches", () => {
    expect(
      tree({
        "gateway/src/app.ts": 'import { s } from "#shared/s.ts";\n',
        "gateway/src/main-node.ts": 'import { createServer } from "node:http";\n',
        "shared/src/s.ts": 'import { readFileSync } from "node:fs";\n',
        "shared/src/node-only.ts": 'import { createServer } from "node:http";\n',
      }),
    ).toEqual(["shared/src/s.ts node:fs"]);
  });

  it("lets test code use the system test support, and nothing else use it", () => {
    expect(
      tree({
        "tests/support/wait.ts": "export const wait = 1;\n",
        "consumer/src/db/x.test.ts": 'import { wait } from "../../../tests/support/wait.ts";\n',
        "consumer/src/db/x.ts": 'import { wait } from "../../../tests/support/wait.ts";\n',
      }),
    ).toEqual(["consumer/src/db/x.ts ../../../tests/support/wait.ts"]);
  });

  it("names a file that no layer places", () => {
    expect(tree({ "consumer/src/somewhere/new.ts": "export {};\n" })).toEqual([
      "consumer/src/somewhere/new.ts ",
    ]);
  });
});

describe("importSpecifiers", () => {
  it("finds static, type-only, re-exported, side-effect and dynamic imports", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import type { B } from "#shared/b.ts";',
      "import {",
      "  c,",
      '} from "./c.ts";',
      'export { d } from "./d.ts";',
      'import "./e.ts";',
      'const f = await import("./f.ts");',
      '// "./not-an-import.ts"',
    ].join("\n");
    expect(importSpecifiers(source).sort()).toEqual(
      ["./a.ts", "#shared/b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts"].sort(),
    );
  });
});
