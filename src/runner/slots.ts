/** Gives back a slot taken from Slots; calling it more than once is harmless. */
export type Release = () => void;

/**
 * A counter of what may run at once: `concurrent` jobs of the process, `limit` jobs of a runner,
 * `request_concurrency` job requests of a runner. Taking a slot never waits: the daemon asks for
 * work only when it already holds the capacity to run it (architecture rule 5), and skips a poll
 * otherwise, as GitLab Runner does.
 */
export class Slots {
  private taken = 0;

  /** `capacity` ≤ 0 means unlimited (GitLab's `limit = 0`). */
  constructor(readonly capacity: number) {}

  get used(): number {
    return this.taken;
  }

  get full(): boolean {
    return this.capacity > 0 && this.taken >= this.capacity;
  }

  /** A release function, or undefined when every slot is taken. */
  tryAcquire(): Release | undefined {
    if (this.full) return undefined;
    this.taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
    };
  }
}
