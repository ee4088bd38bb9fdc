/** One risk `dockhand audit` found in a runner configuration. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

export interface Finding {
  /** Stable id, used as the SARIF rule id: `socket-on-shared-host`, … */
  readonly rule: string;
  readonly severity: Severity;
  /** The runner's name as written in config.toml. */
  readonly runner: string;
  readonly file: string;
  readonly line: number;
  /** A sentence a person understands: who can do what, and why. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

export interface AuditRule {
  readonly id: string;
  /** One line describing the risk in general (SARIF `shortDescription`). */
  readonly summary: string;
}

export const SEVERITY_ORDER: readonly Severity[] = ['high', 'medium', 'low', 'info'];
