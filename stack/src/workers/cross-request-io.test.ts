// What the Workers runtime allows a gateway that coalesces the calls of concurrent requests (one
// /pipeline or /produce for the presses of many), checked in the workerd the stack runs the gateway
// on. The answers are in README, "The gateway on Workers": a batch flushed by one request that
// resolves promises the other requests made leaves those requests hung (workerd answers them 500);
// a batch every request awaits through the one promise the first of them made works; a batch
// flushed on a microtask never spans requests; an I/O object (a Response, its body) shared across
// requests throws.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "#test-support/system.ts";
import { waitUntil } from "#test-support/wait.ts";
import { WORKERD } from "./workerd-gateway.ts";

/** How long a batch stays open for more callers, and how long the upstream takes to answer. */
const LINGER_MS = 400;
const UPSTREAM_MS = 300;

const WORKER = `
// /echo is the upstream: it answers each item of a batch, and the batch's size.
async function echo(request) {
  await new Promise((resolve) => setTimeout(resolve, ${UPSTREAM_MS}));
  const items = await request.json();
  return Response.json(items.map((item) => ({ item, batch: items.length })));
}
const send = (env, items) =>
  fetch(env.SELF + "/echo", { method: "POST", body: JSON.stringify(items) }).then((r) => r.json());

// A batcher as one writes it for Node: each caller's own promise, resolved by the flush, which the
// first caller's timer runs.
let perCaller = [];
function viaPerCallerPromises(env, item) {
  return new Promise((resolve, reject) => {
    perCaller.push({ item, resolve, reject });
    if (perCaller.length === 1)
      setTimeout(async () => {
        const batch = perCaller;
        perCaller = [];
        try {
          const answers = await send(env, batch.map((entry) => entry.item));
          batch.forEach((entry, i) => entry.resolve(answers[i]));
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }, ${LINGER_MS});
  });
}

// The same batch, but every caller awaits the one promise the first caller made.
let open;
function viaSharedPromise(env, item) {
  if (!open) {
    const batch = { items: [] };
    batch.answers = new Promise((resolve) => setTimeout(resolve, ${LINGER_MS})).then(() => {
      open = undefined;
      return send(env, batch.items);
    });
    open = batch;
  }
  const index = open.items.push(item) - 1;
  return open.answers.then((answers) => answers[index]);
}

// Flushed on a microtask, as an auto-pipelining client does.
let micro = [];
function viaMicrotask(env, item) {
  return new Promise((resolve) => {
    micro.push({ item, resolve });
    if (micro.length === 1)
      queueMicrotask(async () => {
        const batch = micro;
        micro = [];
        const answers = await send(env, batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve(answers[i]));
      });
  });
}

// A Response (an I/O object) the first request fetched, read by the others.
let shared;
async function viaSharedResponse(env, item) {
  shared ??= fetch(env.SELF + "/echo", { method: "POST", body: JSON.stringify([item]) });
  const response = await shared;
  return (await response.clone().json())[0];
}

const ways = {
  "/per-caller": viaPerCallerPromises,
  "/shared-promise": viaSharedPromise,
  "/microtask": viaMicrotask,
  "/shared-response": viaSharedResponse,
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/echo") return echo(request);
    const way = ways[url.pathname];
    if (!way) return new Response("ok");
    try {
      return Response.json(await way(env, url.searchParams.get("item")));
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 502 });
    }
  },
};
`;

let workerd: ChildProcess;
let dir: string;
let base: string;
let log = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cross-request-io-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, "worker.js"), WORKER);
  await writeFile(
    join(dir, "workerd.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker), (name = "internet", network = (allow = ["local"]))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  bindings = [(name = "SELF", text = "${base}")],
  globalOutbound = "internet",
);
`,
  );
  workerd = spawn(WORKERD, ["serve", join(dir, "workerd.capnp")], { stdio: "pipe" });
  workerd.stderr?.on("data", (chunk) => (log += chunk));
  workerd.stdout?.on("data", (chunk) => (log += chunk));
  await waitUntil(async () => (await fetch(base).catch(() => null))?.ok === true, {
    what: "workerd to serve",
  });
});

afterAll(async () => {
  workerd?.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
});

/** Four concurrent requests to one way of coalescing: their statuses and answers. */
async function concurrently(path: string) {
  return Promise.all(
    ["a", "b", "c", "d"].map(async (item) => {
      const response = await fetch(`${base}${path}?item=${item}`);
      const text = await response.text();
      return { status: response.status, text };
    }),
  );
}

describe("coalescing the I/O of concurrent requests in workerd", () => {
  it("a flush by one request that resolves the others' own promises leaves them hung: 500", async () => {
    const answers = await concurrently("/per-caller");
    // The request whose timer flushed gets its answer; workerd cancels the others as hung.
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 500)).toHaveLength(3);
    expect(log).toMatch(/would never generate a response/);
  });

  it("a batch every request awaits through the first request's promise answers them all, in one call", async () => {
    const answers = await concurrently("/shared-promise");
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((a) => JSON.parse(a.text))).toEqual(
      ["a", "b", "c", "d"].map((item) => ({ item, batch: 4 })),
    );
  });

  it("a flush on a microtask never spans requests: batches of one", async () => {
    const answers = await concurrently("/microtask");
    expect(answers.map((a) => JSON.parse(a.text).batch)).toEqual([1, 1, 1, 1]);
  });

  it("a Response fetched by one request cannot be read by another", async () => {
    const answers = await concurrently("/shared-response");
    const refused = answers.filter((a) => a.status === 502);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.map((a) => a.text).join("\n")).toMatch(
      /Cannot perform I\/O on behalf of a different request|locked to a reader/,
    );
  });
});
