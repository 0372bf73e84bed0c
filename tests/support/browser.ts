import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** The machine's Chromium (Debian's package; `.ci/run` installs it): no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface TestBrowser {
  context: BrowserContext;
  /** Every URL the browser asked for, pages and their workers alike, in order. */
  requests: string[];
  /** The requested URLs that left the `origins`: anything but those, `data:` and `blob:`. */
  outside(...origins: string[]): string[];
  close(): Promise<void>;
}

/** The requested URLs that left `origins`: anything but those, `data:` and `blob:`. */
function outsideOf(requests: readonly string[], origins: readonly string[]): string[] {
  return requests.filter(
    (url) =>
      !url.startsWith("data:") &&
      !url.startsWith("blob:") &&
      !origins.includes(new URL(url).origin),
  );
}

/** Headless, and nothing in the background (no component updates, sync or QUIC probing). */
const QUIET_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Headless Chromium with an empty profile of its own and nothing in the background (no component
 * updates, sync or QUIC probing): the only requests it makes are the pages' own, and each is
 * recorded.
 */
export async function openBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "coupon-drop-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: QUIET_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  return {
    context,
    requests,
    outside: (...origins) => outsideOf(requests, origins),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface VisitorsBrowser {
  /** A visitor of their own: a fresh context (cookies, storage, connections) in the one browser. */
  newVisitor(): Promise<BrowserContext>;
  /** Every URL any visitor asked for, in order. */
  requests: string[];
  /** The requested URLs that left the `origins`: anything but those, `data:` and `blob:`. */
  outside(...origins: string[]): string[];
  close(): Promise<void>;
}

/**
 * One headless Chromium holding many visitors, each in a context of their own, as different people
 * on different machines are: their own storage, and their own connections. Pages of one context
 * share its HTTP/1.1 connections, at most six per origin; a crowd of pages each holding a stream
 * open (a subscription) in one context would starve each other, as no crowd of shoppers does.
 */
export async function openVisitorsBrowser(): Promise<VisitorsBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // A renderer process per visitor would be twenty on two cores: a few, shared, suffice.
    args: [...QUIET_FLAGS, "--renderer-process-limit=4"],
  });
  const requests: string[] = [];
  return {
    async newVisitor() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.on("request", (request) => requests.push(request.url()));
      return context;
    },
    requests,
    outside: (...origins) => outsideOf(requests, origins),
    close: () => browser.close(),
  };
}
