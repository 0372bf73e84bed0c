const loads = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * `load()` once per operation and key: the same coupon asked for twice in one operation (aliases,
 * or `remaining` under each) is one internal-API or Redis call. Keyed by the operation's context
 * object, so nothing outlives the operation and nothing leaks between callers.
 */
export function oncePerRequest<T>(
  context: object,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  let mine = loads.get(context);
  if (!mine) {
    mine = new Map();
    loads.set(context, mine);
  }
  const known = mine.get(key) as Promise<T> | undefined;
  if (known) return known;
  const loading = load();
  mine.set(key, loading);
  return loading;
}
