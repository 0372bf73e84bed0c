import type { YogaServerOptions } from "graphql-yoga";

type RenderGraphiQL = NonNullable<YogaServerOptions<object, object>["renderGraphiQL"]>;

/**
 * GraphiQL served whole by the gateway: @graphql-yoga/render-graphiql inlines the editor, its CSS
 * and its Monaco workers (as blob: URLs) into one page, so a browser without internet access (many
 * company networks) gets a working GraphiQL, where Yoga's default page loads its code from unpkg
 * and stays at "Loading...". The ~9 MB module is imported on the first page asked for, never by a
 * gateway with GraphiQL off (production), and the page, the same for every caller, is rendered once.
 */
export function createOfflineGraphiql(): RenderGraphiQL {
  let page: Promise<string> | undefined;
  return (options) => {
    page ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) =>
      renderGraphiQL(options),
    );
    // A failed import is tried again by the next request.
    page.catch(() => {
      page = undefined;
    });
    return page;
  };
}
