// The storefront's process under npm start: builds the page, then serves it (storefront-server.ts).
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { buildStorefront } from "./build.ts";
import { readStorefrontConfig } from "./config.ts";
import { createStorefrontServer } from "./storefront-server.ts";

await runServiceProcess({
  name: "storefront",
  readConfig: () => readStorefrontConfig(),
  async start(config) {
    const files = await buildStorefront();
    const server = createStorefrontServer({ files, page: config.page });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.listen.port, config.listen.host, resolve);
    });
    return {
      readyLine: `serving ${config.url} (the page calls ${config.page.graphqlUrl}, subscriptions over ${config.page.subscriptions})`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  },
});
