/**
 * Problems found in a pipeline definition. They are values, not exceptions: the parser collects
 * every problem it can find in one pass so `dockhand lint` can report them all at once.
 */
export interface PipelineProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** The job the problem belongs to, when there is one. */
  readonly job?: string;
  /** Where in the configuration, GitLab style: `jobs:build:script`, `stages`. */
  readonly keyPath: string;
  readonly message: string;
  readonly hint?: string;
}

export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One line per problem, as editors and terminals understand it: `file:line:col: job "x": msg`. */
export function formatProblem(problem: PipelineProblem): string {
  const job = problem.job === undefined ? '' : `job "${problem.job}": `;
  return `${problem.file}:${problem.line}:${problem.column}: ${job}${problem.message}`;
}
