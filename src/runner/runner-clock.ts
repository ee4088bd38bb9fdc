/**
 * Time as the daemon sees it: injected so poll intervals, trace cadence, backoff and the shutdown
 * timeout can be tested with a fake clock (./fake-clock.ts) instead of real waiting.
 */
export interface RunnerClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or at once (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemRunnerClock: RunnerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};
