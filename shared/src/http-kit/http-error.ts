/**
 * An answer other than success, given on purpose: the HTTP status and a message that tells the
 * caller what to change. The service turns it into `{"error": message, "status": status}`.
 */
export class HttpError extends Error {
  readonly status: number;
  /** Extra response headers, e.g. `allow` on a 405. */
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** 503: the backend behind the proxy cannot be reached right now; trying again later may work. */
export class BackendUnavailableError extends HttpError {
  constructor(message: string) {
    super(503, message);
    this.name = "BackendUnavailableError";
  }
}

/** 405 naming the methods the path does take. */
export function methodNotAllowed(method: string | undefined, path: string, allowed: string[]) {
  return new HttpError(
    405,
    `method ${method} is not allowed on ${path}: use ${allowed.join(" or ")}`,
    { allow: allowed.join(", ") },
  );
}
