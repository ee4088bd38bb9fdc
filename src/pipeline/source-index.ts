import type { PipelineProblem } from './errors.js';
import { RESERVED_KEY_SET } from './reserved-keys.js';
import type { PositionTable, ValuePosition } from './yaml/position-table.js';

export interface ProblemOptions {
  readonly job?: string;
  readonly hint?: string;
  /** Added to the column of a scalar's text, for errors inside a string (an expression). */
  readonly columnOffset?: number;
}

/**
 * Finds where a key path of the merged configuration was written. Tables come in priority order
 * (the file whose value won the merge first), and a job's keys may come from the jobs it extends
 * or from `default`, so those are searched too before falling back to the job's own key.
 */
export class SourceIndex {
  private readonly origins = new Map<string, readonly string[]>();

  constructor(
    private readonly tables: readonly PositionTable[],
    readonly mainFile: string,
  ) {}

  /** Records the jobs `job` extends, nearest first, so its inherited keys point at the parent. */
  setOrigins(job: string, ancestors: readonly string[]): void {
    this.origins.set(job, ancestors);
  }

  at(path: readonly string[]): ValuePosition {
    for (const table of this.tables) {
      const exact = table.get(path);
      if (exact !== undefined) return exact;
    }
    const inherited = this.inherited(path);
    if (inherited !== undefined) return inherited;
    let best: { position: ValuePosition; depth: number } | undefined;
    for (const table of this.tables) {
      const found = table.closest(path);
      if (found !== undefined && (best === undefined || found.depth > best.depth)) best = found;
    }
    return best?.position ?? { file: this.mainFile, line: 1, column: 1, contentColumn: 1 };
  }

  /** The same keys in a job's parents or in `default`, where an inherited value was written. */
  private inherited(path: readonly string[]): ValuePosition | undefined {
    const [head, ...rest] = path;
    if (head === undefined || rest.length === 0) return undefined;
    for (const ancestor of [...(this.origins.get(head) ?? []), 'default']) {
      for (const table of this.tables) {
        const found = table.get([ancestor, ...rest]);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  problem(path: readonly string[], message: string, options: ProblemOptions = {}): PipelineProblem {
    const at = this.at(path);
    const column =
      options.columnOffset === undefined ? at.column : at.contentColumn + options.columnOffset;
    return {
      file: at.file,
      line: at.line,
      column,
      keyPath: keyPathText(path, options.job),
      message,
      ...(options.job === undefined ? {} : { job: options.job }),
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    };
  }
}

/** GitLab's notation: `jobs:build:script`, `stages`, `default:image`. */
export function keyPathText(path: readonly string[], job?: string): string {
  const [head] = path;
  if (job !== undefined || (head !== undefined && !RESERVED_KEY_SET.has(head) && path.length > 0)) {
    return ['jobs', ...path].join(':');
  }
  return path.join(':');
}
