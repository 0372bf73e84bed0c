import type { IncomingMessage } from "node:http";
import { messageOf } from "../errors/message-of.ts";
import { HttpError } from "./http-error.ts";

/** The 413 for a body above `maxBytes`, which also closes the connection. */
export function tooLarge(maxBytes: number, declared?: number): HttpError {
  const size = declared === undefined ? "request body" : `request body of ${declared} bytes`;
  // The rest of the body may still be on its way: close the connection rather than read it all.
  return new HttpError(
    413,
    `${size} exceeds the limit of ${maxBytes} bytes: send fewer or smaller items per request`,
    { connection: "close" },
  );
}

/**
 * Reads the body, at most `maxBytes`. A declared `Content-Length` above the limit is refused
 * before a byte is read; an undeclared (chunked) body is refused as soon as it passes the limit.
 * Either way the socket stays up until the 413 is out, then closes.
 */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const header = request.headers["content-length"];
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    throw tooLarge(maxBytes, declared);
  }
  // Events, not `for await`: leaving that loop early destroys the socket, and the 413 with it.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        // Still flowing with no listener: the rest is read and dropped, and the socket survives.
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(new HttpError(400, `request body could not be read: ${error.message}`));
    };
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", onError);
  });
}

/** Reads and parses a JSON body; an empty body is `undefined`, malformed JSON a 400. */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(request, maxBytes);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${messageOf(error)}`);
  }
}
