/** Why a running stage was interrupted. */
export type Interruption = 'job-timeout' | 'stage-timeout' | 'canceled' | 'aborted';

/** An AbortSignal that fires after `ms`; `clear()` releases the timer. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(new Error('deadline')), ms);
    // A deadline never keeps the process alive on its own.
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The signals a stage listens to, each with the interruption it stands for. */
export interface StageSignals {
  readonly abort?: AbortSignal | undefined;
  readonly jobDeadline: Deadline;
  readonly stageDeadline?: Deadline | undefined;
  /** Graceful cancel; after_script and cleanup do not listen to it. */
  readonly cancel?: AbortSignal | undefined;
}

/** One signal aborted by any of the stage's signals. */
export function combined(signals: StageSignals): AbortSignal {
  return AbortSignal.any(
    [
      signals.abort,
      signals.jobDeadline.signal,
      signals.stageDeadline?.signal,
      signals.cancel,
    ].filter((s): s is AbortSignal => s !== undefined),
  );
}

/** Which signal fired, most severe first; undefined when none did. */
export function interruptionOf(signals: StageSignals): Interruption | undefined {
  if (signals.abort?.aborted === true) return 'aborted';
  if (signals.jobDeadline.signal.aborted) return 'job-timeout';
  if (signals.cancel?.aborted === true) return 'canceled';
  if (signals.stageDeadline?.signal.aborted === true) return 'stage-timeout';
  return undefined;
}
