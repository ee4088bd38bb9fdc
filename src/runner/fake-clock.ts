import type { RunnerClock } from './runner-clock.js';

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

/** Lets promise chains that were waiting on a timer run to their next wait. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A RunnerClock for tests: time moves only when `advance` is called, firing due sleeps in time
 * order and letting the code they wake run before moving on.
 */
export class FakeClock implements RunnerClock {
  private time: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const wake = () => sleeper.resolve();
      const sleeper: Sleeper = {
        at: this.time + Math.max(0, ms),
        resolve: () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          signal?.removeEventListener('abort', wake);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  /** Number of pending sleeps (to check that something waits). */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.time = Math.max(this.time, next.at);
      next.resolve();
      await settle();
      await settle();
    }
    this.time = end;
    await settle();
  }
}
