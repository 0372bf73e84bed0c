import { isIP } from "node:net";

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Where a service listens, from the URL its callers use (`REDIS_REST_URL`, `KAFKA_REST_URL`): the
 * URL's host and port, or `bindHost` when the service must bind elsewhere (e.g. `0.0.0.0` in a
 * container while callers use the container's name).
 */
export function listenAddressFromUrl(url: string, bindHost?: string): ListenAddress {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === "https:" ? 443 : 80;
  return {
    // URL keeps the brackets of an IPv6 literal; listen() wants the bare address.
    host: bindHost ?? parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? defaultPort : Number(parsed.port),
  };
}

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) {
    if (bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped?.[1]?.startsWith("127.") === true;
  }
  return false;
}
