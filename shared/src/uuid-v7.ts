/** Random bytes drawn from Web Crypto 4 KiB at a time: one call per 256 ids, not one per id. */
const POOL_BYTES = 4096;
let pool: Uint8Array<ArrayBuffer> | undefined;
let taken = POOL_BYTES;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const hex = (byte: number): string => HEX[byte & 0xff] as string;

function tenRandomBytesAt(): number {
  // Filled on first use, not at load: a Workers isolate may not draw random numbers at load time.
  if (pool === undefined || taken + 10 > POOL_BYTES) {
    pool ??= new Uint8Array(POOL_BYTES);
    crypto.getRandomValues(pool);
    taken = 0;
  }
  const at = taken;
  taken += 10;
  return at;
}

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered ids keep the
 * `request_id` index append-mostly. Web Crypto only, so it runs on every runtime. Every press
 * makes one, so it is built without per-id allocations beyond the string.
 */
export function uuidV7(nowMs: number = Date.now()): string {
  const random = tenRandomBytesAt();
  const r = pool as Uint8Array;
  // 48 bits of milliseconds: the high 16 and the low 32, exact in a double.
  const high = Math.floor(nowMs / 2 ** 32);
  const low = nowMs >>> 0;
  const byte = (i: number) => hex(r[random + i] as number);
  return (
    hex((high >>> 8) & 0xff) +
    hex(high & 0xff) +
    hex(low >>> 24) +
    hex((low >>> 16) & 0xff) +
    "-" +
    hex((low >>> 8) & 0xff) +
    hex(low & 0xff) +
    "-" +
    hex(((r[random] as number) & 0x0f) | 0x70) +
    byte(1) +
    "-" +
    hex(((r[random + 2] as number) & 0x3f) | 0x80) +
    byte(3) +
    "-" +
    byte(4) +
    byte(5) +
    byte(6) +
    byte(7) +
    byte(8) +
    byte(9)
  );
}
