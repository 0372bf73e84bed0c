import { isLoopbackHost } from "./listen-address.ts";

/**
 * Which `Host` a server answers. A server on loopback answers loopback names and the configured
 * ones (`ALLOWED_HOSTS`, for a reverse proxy of one's own on the machine), nothing else: a page on
 * `rebind.evil.example` whose name an attacker's DNS points at 127.0.0.1 reaches the port, but its
 * requests carry the attacker's name (DNS rebinding), and a development-mode gateway that trusts
 * `x-user-id` or an internal API must not answer them. Anywhere else the configured names, or any
 * name when none are configured (a public server sits behind a load balancer that routes by name).
 */
export interface HostPolicy {
  /** Whether a request whose `Host` header is `host` (null: none sent) is answered. */
  allows(host: string | null): boolean;
  /** What the policy answers, for the refusal's message: `loopback names`, the list, or `any`. */
  readonly describe: string;
}

export interface HostPolicyOptions {
  /** The address the server listens on (`HOST`, a proxy's bind address). */
  listenHost: string;
  /** `ALLOWED_HOSTS`: host names (no port), lower case; `*.example.com` takes every subdomain. */
  allowedHosts: readonly string[];
}

/** The name in a `Host` header without its port, lower case; `[::1]:4000` gives `[::1]`. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

function matches(name: string, allowed: string): boolean {
  return allowed.startsWith("*.") ? name.endsWith(allowed.slice(1)) : name === allowed;
}

/** Loopback names, and `*.localhost`, which resolvers send to loopback without asking DNS. */
const isLoopbackName = (name: string): boolean =>
  isLoopbackHost(name) || name.endsWith(".localhost");

export function createHostPolicy({ listenHost, allowedHosts }: HostPolicyOptions): HostPolicy {
  const configured = (name: string) => allowedHosts.some((allowed) => matches(name, allowed));
  if (isLoopbackHost(listenHost))
    return {
      describe: ["loopback names", ...allowedHosts].join(", "),
      allows: (host) => {
        if (host === null) return false;
        const name = hostName(host);
        return isLoopbackName(name) || configured(name);
      },
    };
  if (allowedHosts.length === 0) return { describe: "any", allows: () => true };
  return {
    describe: allowedHosts.join(", "),
    allows: (host) => host !== null && configured(hostName(host)),
  };
}
