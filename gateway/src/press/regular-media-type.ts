/** The two media types Yoga answers a single (not streamed) result in. */
export type RegularMediaType = "application/graphql-response+json" | "application/json";

const REGULAR: readonly RegularMediaType[] = [
  "application/graphql-response+json",
  "application/json",
];

function matches(offered: string, asked: string): boolean {
  const [askedType, askedSubtype] = asked.split("/");
  const [type, subtype] = offered.split("/");
  return (
    (askedType === "*" || askedType === type) && (askedSubtype === "*" || askedSubtype === subtype)
  );
}

/**
 * The media type Yoga's result processors (graphql-yoga `useResultProcessors`, accept.js) answer a
 * single result in for this `Accept`, or null when they pick another processor (an event stream, a
 * multipart answer) or none (406). Yoga walks its processors in the order SSE, multipart, regular,
 * each over the request's types from the last listed to the first, and the last match wins: so a
 * regular type named anywhere beats a stream, the first listed type that matches one decides, and
 * within a type matching both (`*` + `/` + `*`) `application/json` wins. Quality values are
 * ignored; a type with a charset other than utf-8 does not count.
 */
export function regularMediaType(accept: string | null): RegularMediaType | null {
  const known = negotiated.get(accept);
  if (known !== undefined) return known;
  const chosen = negotiate(accept);
  // Clients send a handful of distinct headers; a flood of made-up ones only empties the memo.
  if (negotiated.size >= MAX_REMEMBERED) negotiated.clear();
  negotiated.set(accept, chosen);
  return chosen;
}

/** Accept headers already negotiated: each client library sends the same one on every request. */
const negotiated = new Map<string | null, RegularMediaType | null>();
const MAX_REMEMBERED = 256;

function negotiate(accept: string | null): RegularMediaType | null {
  const asked = (accept || "*/*").replace(/\s/g, "").toLowerCase().split(",");
  for (const entry of asked) {
    const [mediaType = "", ...params] = entry.split(";");
    const charset = params.find((param) => param.includes("charset=")) ?? "charset=utf-8";
    if (charset !== "charset=utf-8") continue;
    let chosen: RegularMediaType | null = null;
    for (const offered of REGULAR) if (matches(offered, mediaType)) chosen = offered;
    if (chosen !== null) return chosen;
  }
  return null;
}
