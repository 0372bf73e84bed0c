import type { Plugin } from "graphql-yoga";
import { requestRefusal } from "./request-refusal.ts";

export interface BodyLimitOptions {
  /** Largest request body accepted; `GATEWAY_DEFAULTS.maxBodyBytes` in the configuration. */
  maxBytes: number;
}

function payloadTooLarge(maxBytes: number): Response {
  return requestRefusal(
    413,
    `request body exceeds the limit of ${maxBytes} bytes`,
    "PAYLOAD_TOO_LARGE",
  );
}

/** The body's bytes, or null as soon as it passes `maxBytes` (the rest is not read). */
async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number) {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Refuses a request body above `maxBytes` with 413 before Yoga reads it, on every runtime (Deno.serve
 * has no body limit of its own). A declared `Content-Length` is checked at once (the runtime's
 * HTTP parser holds the body to it); a body without one (chunked) is read up to the limit and
 * handed on as bytes.
 */
export function useBodyLimit({ maxBytes }: BodyLimitOptions): Plugin {
  return {
    async onRequest({ request, setRequest, endResponse }) {
      if (request.body === null) return;
      const declared = request.headers.get("content-length");
      if (declared !== null) {
        if (Number(declared) > maxBytes) endResponse(payloadTooLarge(maxBytes));
        return;
      }
      const bytes = await readAtMost(request.body, maxBytes);
      if (bytes === null) {
        endResponse(payloadTooLarge(maxBytes));
        return;
      }
      setRequest(
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: bytes,
          // Subscriptions end when the client goes: the original request's signal says when.
          signal: request.signal,
        }),
      );
    },
  };
}
