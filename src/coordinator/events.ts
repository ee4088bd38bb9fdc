/**
 * What happens inside the coordinator, for whoever listens: the seam the live-log web page
 * (issue 9, part 4) plugs into without the runner API knowing about it. Listeners must not
 * throw and must not block; they get records without tokens.
 */
import type { JobStatus } from '../protocol/responses.js';
import type { PipelineStatus } from './store/store.js';

export type CoordinatorEvent =
  | {
      readonly kind: 'trace';
      readonly jobId: number;
      readonly offset: number;
      readonly bytes: Uint8Array;
    }
  | {
      readonly kind: 'job';
      readonly jobId: number;
      readonly pipelineId: number;
      readonly status: JobStatus;
    }
  | { readonly kind: 'pipeline'; readonly pipelineId: number; readonly status: PipelineStatus };

export type CoordinatorListener = (event: CoordinatorEvent) => void;

export class CoordinatorEvents {
  readonly #listeners = new Set<CoordinatorListener>();

  /** Returns the function that removes the listener. */
  subscribe(listener: CoordinatorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: CoordinatorEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a closed browser tab) must not fail the runner's request.
      }
    }
  }
}
