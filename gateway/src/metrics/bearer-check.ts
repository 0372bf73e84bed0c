const encoder = new TextEncoder();

async function sha256(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/**
 * `Authorization: Bearer <token>` checked with Web Crypto: both sides hashed, the digests compared
 * in constant time, so neither the secret's content nor its length shows in a wrong guess's timing
 * (the Node services' shared/src/http-kit/authorization.ts does the same with node:crypto).
 */
export function createBearerCheck(
  token: string,
): (authorization: string | null) => Promise<boolean> {
  const expected = sha256(token);
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    const given = await sha256(match?.[1] ?? "");
    const wanted = await expected;
    let difference = match ? 0 : 1;
    for (let i = 0; i < wanted.length; i++)
      difference |= (wanted[i] as number) ^ (given[i] as number);
    return difference === 0;
  };
}
