import { messageOf } from "#shared/errors/message-of.ts";

/**
 * Runs `task` now and then `intervalMs` after each run ends (never two at once), until stopped; a
 * failed run is reported to `onError` and the next one comes as usual.
 */
export function runPeriodically(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (message: string) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = task()
      .catch((error: unknown) => onError(messageOf(error)))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
