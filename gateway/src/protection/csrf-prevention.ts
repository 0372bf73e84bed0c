import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import type { Plugin } from "graphql-yoga";

/** Headers a browser cannot send cross-site without a CORS preflight; either one will do. */
export const CSRF_HEADERS = ["x-graphql-yoga-csrf", "graphql-require-preflight"] as const;

/**
 * Yoga's CSRF prevention: a request a browser sends cross-site without a preflight (a form POST as
 * `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`, or a plain GET) is
 * refused with 403 unless it carries one of `CSRF_HEADERS`. The project's clients send
 * `application/json`, which always needs a preflight, so they pass unchanged.
 *
 * One exception: a GET that asks for `text/event-stream` (an `EventSource` subscription, which
 * cannot set headers). Yoga serves no mutation over GET, so such a request changes nothing.
 */
export function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] });
  return {
    onRequestParse(payload) {
      const { request } = payload;
      const eventSource =
        request.method === "GET" && request.headers.get("accept")?.includes("text/event-stream");
      if (eventSource) return;
      return csrf.onRequestParse?.(payload);
    },
  };
}
