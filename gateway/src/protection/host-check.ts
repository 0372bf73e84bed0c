import type { Plugin } from "graphql-yoga";
import type { HostPolicy } from "#shared/http-kit/host-policy.ts";

/** Headers a proxy adds to say it forwarded a request (RFC 7239, and the de facto ones). */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

export interface HostCheckOptions {
  /** The `Host` names answered (shared/src/http-kit/host-policy.ts). */
  hosts: HostPolicy;
  /**
   * Refuse requests a proxy forwarded. Development mode does: it trusts `x-user-id` because only
   * this machine can reach it, and a tunnel or proxy that forwards the internet to it (they add
   * these headers) would hand that trust to anyone. Unless a trusted proxy header is configured,
   * which says a proxy of one's own stands in front on purpose.
   */
  refuseForwarded: boolean;
}

function refusal(message: string, code: string, status: number): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/**
 * The first plugin of the chain: a request for a name the gateway does not serve (a page rebound to
 * 127.0.0.1 by its attacker's DNS carries the attacker's name) is answered 421 before anything else
 * looks at it, and in development mode a forwarded one 403.
 */
export function useHostCheck({ hosts, refuseForwarded }: HostCheckOptions): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      // Every runtime builds the request's URL from its Host header (a Request made in-process has
      // no Host header, only its URL).
      const host = url.host;
      if (!hosts.allows(host)) {
        const named = `Host ${JSON.stringify(host.slice(0, 100))}`;
        endResponse(
          refusal(
            `${named} is not served here (this gateway answers ${hosts.describe}; set ALLOWED_HOSTS)`,
            "HOST_NOT_ALLOWED",
            421,
          ),
        );
        return;
      }
      if (refuseForwarded) {
        const forwarded = FORWARDING_HEADERS.find((name) => request.headers.has(name));
        if (forwarded !== undefined)
          endResponse(
            refusal(
              `development mode answers this machine only, and this request was forwarded (${forwarded}): run with AUTH_MODE=jwt behind a proxy, or set TRUSTED_PROXY_HEADER for a proxy of your own`,
              "FORWARDED_REQUEST_REFUSED",
              403,
            ),
          );
      }
    },
  };
}
