/** Where the server's clock stands against a coupon's window. */
export type DropPhase =
  | { phase: "BEFORE"; startsInMs: number }
  | { phase: "OPEN"; endsInMs: number | null }
  | { phase: "AFTER" };

export interface DropWindow {
  startsAt: string | null;
  endsAt: string | null;
}

export function dropPhase({ startsAt, endsAt }: DropWindow, serverNow: number): DropPhase {
  const starts = startsAt === null ? null : Date.parse(startsAt);
  const ends = endsAt === null ? null : Date.parse(endsAt);
  if (starts !== null && serverNow < starts)
    return { phase: "BEFORE", startsInMs: starts - serverNow };
  if (ends !== null && serverNow >= ends) return { phase: "AFTER" };
  return { phase: "OPEN", endsInMs: ends === null ? null : ends - serverNow };
}

/** 93_000 → "01:33", 3_723_000 → "1:02:03": whole seconds, rounded up (0 only when it is time). */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mmss = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}
