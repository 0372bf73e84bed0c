/** Backoff defaults, in one place. Permanent failures follow the original design's 3 attempts, 1 s base. */
export const RETRY_DEFAULTS = {
  /** Attempts for a failure that would fail the same way again, before the record is dead-lettered. */
  permanentAttempts: 3,
  permanentBaseMs: 1000,
  /** Transient failures (a dependency blinked) are retried without limit, backing off up to this. */
  transientBaseMs: 200,
  transientMaxMs: 10_000,
} as const;

/** Exponential backoff with equal jitter: attempt n waits between half and all of base·2^(n-1), capped. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Waits in small steps so the caller can keep its group membership alive and stop early. */
export async function waitWhileAlive(
  ms: number,
  keepAlive: () => Promise<void>,
  isAlive: () => boolean,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && isAlive()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, deadline - Date.now())));
    await keepAlive().catch(() => undefined);
  }
}
