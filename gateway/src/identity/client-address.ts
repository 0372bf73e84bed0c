import { isLoopbackHost } from "#shared/http-kit/listen-address.ts";

/**
 * The proxy in front of the gateway that says who its client was: the header it sets and how many
 * proxies of one's own stand in a row (each appends the address it was called from).
 */
export interface TrustedProxy {
  /** Lower-case header name: `x-forwarded-for`, `forwarded` (RFC 7239), `x-real-ip`, ... */
  header: string;
  /** Proxies of one's own in front of the gateway; the entry they did not write is the client. */
  hops: number;
}

export interface ClientAddressOptions {
  /** null: no proxy is trusted, the socket's peer is the client. */
  trustedProxy: TrustedProxy | null;
  /** Development mode: loopback clients are not limited by address (local load tests). */
  exemptLoopback: boolean;
}

/** The subject every client whose address cannot be read shares: unknown never means unlimited. */
export const UNKNOWN_ADDRESS = "unknown";

/**
 * The address a request came from, as the per-address rate limit counts it: the trusted proxy's
 * header when one is configured and present, else the socket's peer (passed in by the runtime's
 * entry point). Null when the caller is not limited by address: a loopback client in development
 * mode. An address that cannot be read is `UNKNOWN_ADDRESS`, one bucket for all such callers.
 */
export function rateLimitAddress(
  request: { headers: Pick<Headers, "get"> },
  socketAddress: string | undefined,
  { trustedProxy, exemptLoopback }: ClientAddressOptions,
): string | null {
  const forwarded = trustedProxy ? forwardedAddress(request.headers, trustedProxy) : undefined;
  const address = forwarded ?? socketAddress;
  if (address === undefined) return UNKNOWN_ADDRESS;
  if (exemptLoopback && isLoopbackHost(stripPort(address.trim()))) return null;
  return addressSubject(address) ?? UNKNOWN_ADDRESS;
}

/**
 * The client's entry in a trusted proxy's header: proxies append, so with `hops` proxies of one's
 * own the client is the `hops`-th entry from the right (the ones left of it are whatever the client
 * sent, and may be forged). Fewer entries than hops: the leftmost. No header: undefined.
 */
export function forwardedAddress(
  headers: Pick<Headers, "get">,
  { header, hops }: TrustedProxy,
): string | undefined {
  const value = headers.get(header);
  if (value === null) return undefined;
  const entries = value
    .split(",")
    .map((entry) => (header === "forwarded" ? forParameter(entry) : entry.trim()))
    .filter((entry) => entry !== "");
  if (entries.length === 0) return undefined;
  return entries[Math.max(0, entries.length - hops)];
}

/** RFC 7239's `for=` of one element (`for=192.0.2.60;proto=http`, `for="[2001:db8::1]:4711"`). */
function forParameter(element: string): string {
  for (const pair of element.split(";")) {
    const [name, ...rest] = pair.split("=");
    if (name?.trim().toLowerCase() === "for")
      return rest
        .join("=")
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return "";
}

/** `192.0.2.1:443` and `[2001:db8::1]:443` without the port; anything else as it is. */
function stripPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return v4WithPort?.[1] ?? address;
}

/**
 * An address as a rate-limit subject: IPv4 in its plain form (an IPv4-mapped IPv6 address too);
 * IPv6 by its /64, since one subscriber holds a whole /64 and could otherwise take a fresh address
 * for every press. Null when it is no IP address.
 */
export function addressSubject(address: string): string | null {
  const bare = stripPort(address.trim()).toLowerCase();
  const v4 = ipv4(bare);
  if (v4) return v4.join(".");
  const groups = ipv6Groups(bare);
  if (!groups) return null;
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

function ipv4(text: string): number[] | null {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)?.slice(1).map(Number);
  return parts?.every((part) => part <= 255) ? parts : null;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a trailing IPv4 part allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  const withoutZone = text.replace(/%[\w.-]+$/, "");
  const halves = withoutZone.split("::");
  if (halves.length > 2) return null;
  // A trailing IPv4 part (`::ffff:192.0.2.1`) may end the address, nowhere else.
  const parseHalf = (half: string, last: boolean): number[] | null => {
    if (half === "") return [];
    const groups: number[] = [];
    const pieces = half.split(":");
    for (const [i, piece] of pieces.entries()) {
      const v4 = last && i === pieces.length - 1 ? ipv4(piece) : null;
      if (v4) groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      else if (/^[0-9a-f]{1,4}$/.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const head = parseHalf(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? parseHalf(halves[1] ?? "", true) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : null;
}

/**
 * The client's address on the Workers runtime, which hands no socket to the code: workerd serving
 * a socket of its own (the local stack) puts the peer in `request.cf.clientIp` ("ip:port"); on
 * Cloudflare's network `request.cf` carries no address and the edge sets `CF-Connecting-IP`, which
 * it overwrites whatever the client sent. workerd's own value wins where there is one, so a local
 * client cannot name itself with the header.
 */
export function workersClientAddress(request: Request): string | undefined {
  const cf = (request as Request & { cf?: { clientIp?: unknown } }).cf;
  if (typeof cf?.clientIp === "string" && cf.clientIp !== "") return cf.clientIp;
  return request.headers.get("cf-connecting-ip") ?? undefined;
}
