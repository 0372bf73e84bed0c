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
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  return {
    context,
    requests,
    outside: (...origins) =>
      requests.filter(
        (url) =>
          !url.startsWith("data:") &&
          !url.startsWith("blob:") &&
          !origins.includes(new URL(url).origin),
      ),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
