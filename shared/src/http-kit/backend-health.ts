import type { IncomingMessage, ServerResponse } from "node:http";
import { methodNotAllowed } from "./http-error.ts";
import { sendJson } from "./json-response.ts";

/**
 * A proxy's `GET /health`, served without credentials: 200 whenever the process serves, the body
 * saying whether the backend it fronts answers (`{"status":"ok","backend":"up"|"down"}`, see
 * proxies/README.md), so a supervisor restarts the proxy only when the proxy itself is gone.
 * Answers and returns true for `/health`; false for any other path.
 */
export function answerBackendHealth(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  backendUp: boolean,
): boolean {
  if (path !== "/health") return false;
  if (request.method !== "GET") throw methodNotAllowed(request.method, path, ["GET"]);
  sendJson(response, 200, { status: "ok", backend: backendUp ? "up" : "down" });
  return true;
}
