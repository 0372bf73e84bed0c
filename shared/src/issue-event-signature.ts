/**
 * Issue events are signed by whoever may put a request on the issue topic (the gateway after
 * admitting it, the reconciler and dead-letter replay after checking it) and verified by every
 * worker before anything else: holding the Kafka REST password, or any other way of writing to the
 * topic, no longer lets anyone mint a coupon.
 *
 * The signature is an HMAC-SHA-256 in the record's `x-signature` header, as `v1=<base64url of the
 * 32-byte MAC>`; the value's JSON is pinned and stays as it is. What the MAC covers (layout v1),
 * each part length-prefixed so that no two different records give the same bytes:
 *
 * - a context string naming the layout, so a MAC made for anything else never verifies here;
 * - the topic: a record signed for one topic (another system's, a test's) is forged on another;
 * - the record key (`coupon:{couponId}`): moving an event to another key would move it to another
 *   partition, out of its coupon's admission order;
 * - the value's exact bytes: every field of the event (request, user, coupon, requestedAt, source).
 *
 * Not covered, on purpose: the partition (chosen by the proxy's partitioner from the key), the
 * timestamp and other headers (the Kafka REST proxy passes a client's through; nothing reads them).
 * A signature proves that a key holder wrote exactly this event for this topic and key; it does
 * not prove freshness, so a signed record written again is the same request again, which the
 * workers decide idempotently by request id (docs/architecture.md, "Signed events").
 *
 * Key rotation: a verifier takes a list of keys, the current one first, and accepts a MAC by any of
 * them; signers use the current one.
 *
 * The MAC is computed by @noble/hashes, synchronously, from an HMAC state keyed once and cloned per
 * event: the same on Deno, Node and workerd, and a few µs of CPU per event, where Web Crypto's
 * `subtle.sign` cost the gateway 24-34 µs per press on Deno (a promise and a trip off the JS thread
 * for a 200-byte message; measured under load and alone, README "Performance").
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export const EVENT_SIGNATURE_HEADER = "x-signature";

/** Names what the MAC covers; a new layout gets a new version (and a new header prefix). */
const LAYOUT_V1 = "coupon-drop issue event signature v1";
const PREFIX_V1 = "v1=";
const MAC_BYTES = 32;
/** A missing part (a record without key or value) is not the empty string. */
const ABSENT = 0xffffffff;

/** The parts of a record a signature covers. */
export interface SignedRecord {
  topic: string;
  key: string | Uint8Array | null;
  value: string | Uint8Array | null;
}

const utf8 = new TextEncoder();
const bytesOf = (part: string | Uint8Array): Uint8Array =>
  typeof part === "string" ? utf8.encode(part) : part;

/** The bytes the MAC is computed over: each part as a 4-byte big-endian length and its bytes. */
export function signedBytes({ topic, key, value }: SignedRecord): Uint8Array<ArrayBuffer> {
  const parts = [LAYOUT_V1, topic, key, value].map((part) =>
    part === null ? null : bytesOf(part),
  );
  const size = parts.reduce((sum, part) => sum + 4 + (part?.length ?? 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part === null ? ABSENT : part.length);
    at += 4;
    if (part !== null) {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url (a MAC per event: no detour through `btoa` and three replacements). */
function base64url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      BASE64URL.charAt(n >>> 18) +
      BASE64URL.charAt((n >>> 12) & 63) +
      BASE64URL.charAt((n >>> 6) & 63) +
      BASE64URL.charAt(n & 63);
  }
  if (i < bytes.length) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += BASE64URL.charAt(n >>> 18) + BASE64URL.charAt((n >>> 12) & 63);
    if (i + 1 < bytes.length) out += BASE64URL.charAt((n >>> 6) & 63);
  }
  return out;
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Makes the MAC function of one key: HMAC-SHA-256 over `signedBytes(record)`. The default runs on
 * every runtime; a Node process may pass one on `node:crypto` (consumer/src/issue-worker/).
 */
export type KeyedMac = (secret: string) => (record: SignedRecord) => Uint8Array;

/**
 * An HMAC-SHA-256 keyed once; each MAC starts from a copy of the keyed state and is fed the parts
 * of `signedBytes` one by one, without assembling them, the layout and topic (the same for nearly
 * every event) encoded once.
 */
function keyedMac(secret: string): (record: SignedRecord) => Uint8Array {
  const keyed = hmac.create(sha256, utf8.encode(secret));
  const length = new Uint8Array(4);
  const lengthView = new DataView(length.buffer);
  let lastTopic: string | undefined;
  let lastHead = new Uint8Array(0);
  return ({ topic, key, value }) => {
    if (topic !== lastTopic) {
      // The layout and topic parts: signedBytes without its last two parts (two absent markers).
      lastHead = signedBytes({ topic, key: null, value: null }).subarray(0, -8);
      lastTopic = topic;
    }
    const mac = keyed.clone().update(lastHead);
    for (const part of [key, value]) {
      const bytes = part === null ? null : bytesOf(part);
      lengthView.setUint32(0, bytes === null ? ABSENT : bytes.length);
      mac.update(length);
      if (bytes !== null) mac.update(bytes);
    }
    return mac.digest();
  };
}

/** Compares in time that does not depend on where the MACs differ. */
function equalMacs(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

export interface EventSigner {
  /** The `x-signature` header value for the record. */
  sign(record: SignedRecord): string;
}

/** Signs with `secret` (`EVENT_SIGNING_KEY`, the current key). */
export function createEventSigner(secret: string): EventSigner {
  const mac = keyedMac(secret);
  return {
    sign: (record) => PREFIX_V1 + base64url(mac(record)),
  };
}

/** A header as kafkajs hands it over (a repeated header is an array), or as text. */
export type HeaderValue = string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined;

export type Verification =
  | { ok: true }
  | { ok: false; reason: "unsigned" | "malformed" | "mismatch"; message: string };

export interface EventVerifier {
  verify(record: SignedRecord, signature: HeaderValue): Verification;
}

const V1_SIGNATURE = /^v1=([A-Za-z0-9_-]{43})$/;

/** The MAC the header carries, or why it carries none. */
function macOf(
  signature: HeaderValue,
): Uint8Array<ArrayBuffer> | Exclude<Verification, { ok: true }> {
  if (signature === undefined)
    return { ok: false, reason: "unsigned", message: `no ${EVENT_SIGNATURE_HEADER} header` };
  if (Array.isArray(signature))
    return {
      ok: false,
      reason: "malformed",
      message: `${signature.length} ${EVENT_SIGNATURE_HEADER} headers, where the gateway writes one`,
    };
  const single = signature as string | Uint8Array;
  const text = typeof single === "string" ? single : new TextDecoder().decode(single);
  const match = V1_SIGNATURE.exec(text);
  const mac = match?.[1] === undefined ? null : fromBase64url(match[1]);
  if (mac === null || mac.length !== MAC_BYTES)
    return {
      ok: false,
      reason: "malformed",
      message: `${EVENT_SIGNATURE_HEADER} is not a v1 signature`,
    };
  return mac;
}

/**
 * Verifies against every key of `secrets` (current first, then the previous or next ones of a
 * rotation).
 */
export function createEventVerifier(
  secrets: readonly string[],
  macOfKey: KeyedMac = keyedMac,
): EventVerifier {
  if (secrets.length === 0) throw new Error("an event verifier needs at least one key");
  const macs = secrets.map((secret) => macOfKey(secret));
  return {
    verify(record, signature) {
      const mac = macOf(signature);
      if (!(mac instanceof Uint8Array)) return mac;
      for (const macBy of macs) if (equalMacs(macBy(record), mac)) return { ok: true };
      return {
        ok: false,
        reason: "mismatch",
        message: `${EVENT_SIGNATURE_HEADER} matches none of the event verification keys`,
      };
    },
  };
}
