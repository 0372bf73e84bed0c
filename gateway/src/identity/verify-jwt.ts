/** Verifies an HS256 JWT with Web Crypto; returns its claims, or null when it is not valid now. */
export async function verifyHs256Jwt(
  token: string,
  secret: string,
  nowMs = Date.now(),
): Promise<Record<string, unknown> | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  let claims: Record<string, unknown>;
  try {
    const decodedHeader = JSON.parse(base64UrlDecodeText(header)) as { alg?: string };
    if (decodedHeader.alg !== "HS256") return null;
    claims = JSON.parse(base64UrlDecodeText(payload));
  } catch {
    return null;
  }
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    "HMAC",
    key,
    base64UrlDecode(signature),
    new TextEncoder().encode(`${header}.${payload}`),
  );
  if (!valid) return null;
  const nowSeconds = nowMs / 1000;
  if (typeof claims.exp === "number" && nowSeconds >= claims.exp) return null;
  if (typeof claims.nbf === "number" && nowSeconds < claims.nbf) return null;
  return claims;
}

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function base64UrlDecodeText(text: string): string {
  return new TextDecoder().decode(base64UrlDecode(text));
}
