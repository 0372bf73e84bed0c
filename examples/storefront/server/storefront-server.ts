import type { Server } from "node:http";
import { createLimitedServer } from "#shared/http-kit/limited-server.ts";
import type { PageConfig } from "../src/page-config.ts";
import type { StorefrontFiles } from "./build.ts";

export interface StorefrontServerOptions {
  files: StorefrontFiles;
  /** Served as /config.json: where the page finds the gateway. */
  page: PageConfig;
}

/**
 * Serves the built page, its configuration and `/health`; nothing else. The page calls the
 * gateway itself, on the gateway's own origin (README: why not a proxy here): the policy below lets
 * it connect there and nowhere else.
 */
export function createStorefrontServer({ files, page }: StorefrontServerOptions): Server {
  const gateway = new URL(page.graphqlUrl);
  const socket = `${gateway.protocol === "https:" ? "wss:" : "ws:"}//${gateway.host}`;
  const policy = [
    "default-src 'self'",
    `connect-src 'self' ${gateway.origin} ${socket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const config = new TextEncoder().encode(JSON.stringify(page));
  return createLimitedServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://storefront").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/health") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    const file =
      path === "/config.json"
        ? { body: config, contentType: "application/json" }
        : files.get(path === "/" ? "/index.html" : path);
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response.writeHead(200, {
      "content-type": file.contentType,
      "content-length": file.body.byteLength,
      // Rebuilt on every start: a browser asks again rather than run an old bundle.
      "cache-control": "no-cache",
      "content-security-policy": policy,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    response.end(request.method === "HEAD" ? undefined : file.body);
  });
}
