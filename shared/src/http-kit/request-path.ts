/**
 * The path of a request URL, absolute (a Web Request's) or a path already, without parsing all of
 * it: the gateway's plugins that answer one path read only this of every request.
 */
export function pathOf(url: string): string {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}
