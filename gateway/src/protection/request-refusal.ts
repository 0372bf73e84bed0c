/**
 * A request refused before any GraphQL runs (too large, a name not served, a transport not served
 * here), answered in GraphQL's error shape with a code, as the gateway answers everything else.
 */
export function requestRefusal(status: number, message: string, code: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
