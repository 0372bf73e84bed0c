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

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIpv4 = (host: string): boolean =>
  IPV4.exec(host)
    ?.slice(1)
    .every((part) => Number(part) <= 255) === true;

/**
 * True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and `::1`. Written
 * without Node's `net`, so the gateway (Web-standard) applies the same rule as the services.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIpv4(bare)) return bare.startsWith("127.");
  if (bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^::ffff:(.+)$/.exec(bare)?.[1];
  return mapped !== undefined && isIpv4(mapped) && mapped.startsWith("127.");
}
