import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HTTP_SERVER_DEFAULTS, LOCAL_DEFAULTS } from "../defaults.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { createHostPolicy, type HostPolicy } from "./host-policy.ts";
import { HttpError } from "./http-error.ts";
import { sendError } from "./json-response.ts";
import { createLimitedServer } from "./limited-server.ts";
import { tooLarge } from "./read-body.ts";
import type { HttpServerLimits } from "./server-limits.ts";

/** A caller's request id when it looks like one (a proxy's, a client's), else a new one. */
function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface HttpServiceOptions {
  /** Answers one request; may throw an `HttpError` (its status) or anything else (logged). */
  handle: RequestHandler;
  /**
   * The status of an error that is no `HttpError`. Default 500; a service whose failures say they
   * are transient answers those 503, the caller's cue to try again.
   */
  statusOf?: (error: unknown) => number;
  /** Called when shutdown begins, after the listener closed: end long-lived responses (SSE) here. */
  onDrainStart?: () => void;
  /** Called once no request is left: close backend connections here. */
  onDrained?: () => Promise<void> | void;
  /**
   * The service's logger: an unexpected error is logged with its request's id (the caller's
   * `x-request-id` when it sent a plausible one, else a new one, echoed in the answer either way).
   * Default: JSON lines on stdout.
   */
  logger?: Logger;
  /**
   * Timeouts and the connection cap (`createLimitedServer`'s defaults when left out), and the
   * `Host` names answered besides loopback ones (host-policy.ts; a loopback listener answers only
   * those, anything else `421`).
   */
  limits?: Partial<HttpServerLimits>;
  /**
   * A request that declares a larger body is answered 413 before the handler runs, whatever the
   * route; a handler that reads a body reads it through `readBody` with its own limit as well (a
   * chunked body declares no length). Default `HTTP_SERVER_DEFAULTS.maxBodyBytes`.
   */
  maxBodyBytes?: number;
}

export interface HttpService {
  readonly server: Server;
  /** The base URL once listening (`http://127.0.0.1:41234`), else undefined. */
  readonly url: string | undefined;
  /** Listens and resolves with the base URL. Port 0 (the default) picks a free port. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Graceful shutdown: stops accepting, lets in-flight requests finish (up to `graceMs`, default
   * 10 s, after which their connections are cut), then calls `onDrained`. Safe to call twice.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A node:http server with the error contract and the shutdown order every service shares (both
 * proxies, the internal API, the workers' health endpoints). A handler's `HttpError` becomes its
 * status and `{"error","status"}`; any other error is logged and answered `statusOf(error)` (500
 * unless told otherwise) with the same body, so a bug never leaves a caller hanging.
 */
/** A request for a name this server does not serve (a DNS-rebound page's, say): refused unread. */
function misdirected(host: string | undefined, hosts: HostPolicy): HttpError {
  const named =
    host === undefined ? "no Host header" : `Host ${JSON.stringify(host.slice(0, 100))}`;
  return new HttpError(421, `${named} is not served here (this server answers ${hosts.describe})`);
}

export function createHttpService({
  handle,
  statusOf = () => 500,
  onDrainStart,
  onDrained,
  logger = createLogger("http-service"),
  limits,
  maxBodyBytes = HTTP_SERVER_DEFAULTS.maxBodyBytes,
}: HttpServiceOptions): HttpService {
  let url: string | undefined;
  // Set by listen(), from the address listened on: nothing is answered before.
  let hosts: HostPolicy = { describe: "none", allows: () => false };
  let closing: Promise<void> | undefined;
  const inFlight = new Set<ServerResponse>();

  // During shutdown no connection is kept alive: each closes as soon as its last answer is out.
  const releaseAfter = (response: ServerResponse) => {
    response.shouldKeepAlive = false;
    response.once("finish", () => setImmediate(() => server.closeIdleConnections()));
  };

  const server = createLimitedServer((request, response) => {
    inFlight.add(response);
    const requestId = requestIdOf(request.headers["x-request-id"]);
    response.setHeader("x-request-id", requestId);
    response.once("close", () => inFlight.delete(response));
    if (closing) releaseAfter(response);
    const declared = Number(request.headers["content-length"] ?? 0);
    const answer = !hosts.allows(request.headers.host ?? null)
      ? Promise.reject(misdirected(request.headers.host, hosts))
      : declared > maxBodyBytes
        ? Promise.reject(tooLarge(maxBodyBytes, declared))
        : handle(request, response);
    answer.catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendError(response, error.status, error.message, error.headers);
        return;
      }
      logger.error(
        { requestId, method: request.method, url: request.url, err: error },
        "request failed",
      );
      const status = statusOf(error);
      const message = error instanceof Error ? error.message : String(error);
      sendError(response, status, status === 500 ? `internal error: ${message}` : message);
    });
  }, limits);

  return {
    server,
    get url() {
      return url;
    },
    listen(port = 0, host = LOCAL_DEFAULTS.HOST) {
      hosts = createHostPolicy({ listenHost: host, allowedHosts: limits?.allowedHosts ?? [] });
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}`;
          resolve(url);
        });
      });
    },
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
        });
        server.closeIdleConnections();
        for (const response of inFlight) releaseAfter(response);
        onDrainStart?.();
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        await stopped;
        clearTimeout(cut);
        await onDrained?.();
      })();
      return closing;
    },
  };
}
