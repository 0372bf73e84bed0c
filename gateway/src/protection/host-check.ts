import type { Plugin } from "graphql-yoga";
import type { HostPolicy } from "#shared/http-kit/host-policy.ts";
import { requestRefusal } from "./request-refusal.ts";

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

/** The refusal of a request for `host` with `headers`, or null when it may go on. */
export type HostCheck = (host: string, headers: Pick<Headers, "has">) => Response | null;

/**
 * A request for a name the gateway does not serve (a page rebound to 127.0.0.1 by its attacker's
 * DNS carries the attacker's name) is answered 421, and in development mode a forwarded one 403.
 * One check for the plugin chain and for Node's WebSocket upgrades, which arrive beside it.
 */
export function createHostCheck({ hosts, refuseForwarded }: HostCheckOptions): HostCheck {
  return (host, headers) => {
    if (!hosts.allows(host))
      return requestRefusal(
        421,
        `Host ${JSON.stringify(host.slice(0, 100))} is not served here (this gateway answers ${hosts.describe}; set ALLOWED_HOSTS)`,
        "HOST_NOT_ALLOWED",
      );
    if (!refuseForwarded) return null;
    const forwarded = FORWARDING_HEADERS.find((name) => headers.has(name));
    return forwarded === undefined
      ? null
      : requestRefusal(
          403,
          `development mode answers this machine only, and this request was forwarded (${forwarded}): run with AUTH_MODE=jwt behind a proxy, or set TRUSTED_PROXY_HEADER for a proxy of your own`,
          "FORWARDED_REQUEST_REFUSED",
        );
  };
}

/** The first plugin of the chain: `check` before anything else looks at the request. */
export function useHostCheck(check: HostCheck): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      // Every runtime builds the request's URL from its Host header (a Request made in-process has
      // no Host header, only its URL).
      const refused = check(url.host, request.headers);
      if (refused) endResponse(refused);
    },
  };
}
