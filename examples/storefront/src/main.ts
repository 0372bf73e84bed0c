// The storefront page's entry: configuration, the shopper, the client, the clock, then the page.
import { ServerTimeQuery } from "./documents.ts";
import { createStorefrontClient } from "./graphql-client.ts";
import { loadPageConfig } from "./page-config.ts";
import { createServerClock } from "./server-clock.ts";
import { developmentIdentity, pickShopperId } from "./shopper-identity.ts";
import { startStorefrontPage } from "./storefront-page.ts";

const root = document.querySelector<HTMLElement>("main");
const url = new URL(window.location.href);
const couponId = url.searchParams.get("coupon");

async function start(main: HTMLElement) {
  if (!couponId || !/^[1-9]\d*$/.test(couponId)) {
    main.dataset.state = "no-coupon";
    return;
  }
  const config = await loadPageConfig();
  // Development mode: the shopper names itself. A shop in JWT mode passes its login's identity.
  const identity = developmentIdentity(pickShopperId(url, window.localStorage));
  const client = createStorefrontClient({ config, identity });
  const clock = createServerClock({
    readServerTime: async () => {
      const result = await client
        .query(ServerTimeQuery, {}, { requestPolicy: "network-only" })
        .toPromise();
      if (!result.data) throw result.error ?? new Error("serverTime: no answer");
      return result.data.serverTime;
    },
  });
  // The countdown runs on the server's clock from the start: a few round trips before the page
  // shows it. Without an answer the page starts anyway (offset 0) and shows the error itself.
  main.dataset.clock = await clock.sync().then(
    () => "synced",
    () => "local",
  );
  startStorefrontPage({
    root: main,
    client,
    clock,
    identity,
    couponId,
    storage: window.localStorage,
  });
}

if (root)
  start(root).catch((error: unknown) => {
    root.dataset.state = "failed";
    const message = root.querySelector('[data-field="detail"]');
    if (message) message.textContent = `The page could not start: ${String(error)}`;
  });
