/**
 * The runner-queue version behind `X-GitLab-Last-Update`. It changes whenever jobs become
 * pending; a long-polling request whose `last_update` equals the current version waits for the
 * next change (or its hold time) instead of asking the store again and again.
 */
import { randomBytes } from 'node:crypto';

export class QueueSignal {
  // A per-process prefix: a runner echoing a version from before a restart never matches.
  readonly #boot = randomBytes(4).toString('hex');
  #counter = 0;
  #waiters = new Set<() => void>();

  get version(): string {
    return `${this.#boot}-${this.#counter}`;
  }

  /** Number of requests being held (for tests and the status page). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** New work: move the version on and wake every held request. */
  bump(): void {
    this.#counter++;
    const woken = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of woken) wake();
  }

  /**
   * Resolves true when the version moves past `seen`, false after `holdMs` or on abort.
   * Resolves at once when it already has.
   */
  waitForChange(seen: string, holdMs: number, signal?: AbortSignal): Promise<boolean> {
    if (seen !== this.version) return Promise.resolve(true);
    if (holdMs <= 0 || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const wake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), holdMs);
      this.#waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
