import { renderKeyPath, type ConfigProblem, type KeyPath, type Severity } from './problems.js';
import type { Position, TomlSource } from './toml-source.js';

export interface ProblemInput {
  readonly code: string;
  readonly path: KeyPath;
  readonly message: string;
  readonly hint: string;
  /** Where to point, when not at `path` itself (e.g. a missing key points at its table). */
  readonly at?: KeyPath | Position;
}

/** Collects problems, turning key paths into positions of the file. */
export class Reporter {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  constructor(
    private readonly file: string,
    private readonly source: TomlSource | undefined,
  ) {}

  position(at: KeyPath | Position): Position {
    if (!Array.isArray(at)) return at as Position;
    return this.source?.position(at) ?? { line: 1, column: 1 };
  }

  error(input: ProblemInput): void {
    this.errors.push(this.build('error', input));
  }

  warning(input: ProblemInput): void {
    this.warnings.push(this.build('warning', input));
  }

  private build(severity: Severity, input: ProblemInput): ConfigProblem {
    const { line, column } = this.position(input.at ?? input.path);
    return {
      severity,
      code: input.code,
      file: this.file,
      line,
      column,
      keyPath: renderKeyPath(input.path),
      message: input.message,
      hint: input.hint,
    };
  }
}
