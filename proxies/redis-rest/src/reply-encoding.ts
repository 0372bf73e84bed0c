/**
 * The Upstash REST JSON form of a Redis reply. With `Upstash-Encoding: base64` every string, at
 * every nesting level, is the base64 of its raw bytes (so binary values survive JSON); integers
 * stay numbers and nil is null. Without it strings are UTF-8. Booleans and objects are never
 * emitted: the client cannot decode them.
 */
export type EncodedReply = string | number | null | EncodedReply[];

export function encodeReply(reply: unknown, base64: boolean): EncodedReply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  let bytes: Buffer;
  if (Buffer.isBuffer(reply)) bytes = reply;
  // An error nested in an array (a script's error_reply inside a table) travels as its message.
  else if (reply instanceof Error) bytes = Buffer.from(reply.message, "utf8");
  else bytes = Buffer.from(String(reply), "utf8");
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}
