/**
 * Typed errors. Every error that reaches the user is a DockhandError with a stable `code`, a
 * message that says what failed, and a `hint` that says how to fix it. They reach the terminal
 * through one door, src/cli/main.ts, which maps `kind` to an exit code. Secrets never go into
 * messages: callers pass names of secrets, never their values.
 */
export type ErrorKind =
  /** Wrong flags or arguments: exit 2. */
  | 'usage'
  /** A configuration or pipeline file is invalid: exit 2. */
  | 'config'
  /** A job or a check failed as such (not dockhand's fault): exit 1. */
  | 'failed'
  /** Something dockhand depends on is missing or unreachable (engine, registry, tool): exit 1. */
  | 'environment'
  /** A bug in dockhand: exit 1 with a bug-report hint. */
  | 'internal';

export interface DockhandErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
}

export class DockhandError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: DockhandErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DockhandError';
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
  }
}

export class UsageError extends DockhandError {
  constructor(message: string, options: DockhandErrorOptions = {}) {
    super('usage', 'usage', message, options);
    this.name = 'UsageError';
  }
}

export class ConfigError extends DockhandError {
  constructor(code: string, message: string, options: DockhandErrorOptions = {}) {
    super('config', code, message, options);
    this.name = 'ConfigError';
  }
}

export class CheckFailedError extends DockhandError {
  constructor(code: string, message: string, options: DockhandErrorOptions = {}) {
    super('failed', code, message, options);
    this.name = 'CheckFailedError';
  }
}

export class EnvironmentError extends DockhandError {
  constructor(code: string, message: string, options: DockhandErrorOptions = {}) {
    super('environment', code, message, options);
    this.name = 'EnvironmentError';
  }
}

export class InternalError extends DockhandError {
  constructor(message: string, options: DockhandErrorOptions = {}) {
    super('internal', 'internal', message, options);
    this.name = 'InternalError';
  }
}

/** Exit codes: 0 ok, 1 job or check failed (or the environment failed us), 2 usage or configuration. */
export function exitCodeFor(error: unknown): 1 | 2 {
  if (error instanceof DockhandError && (error.kind === 'usage' || error.kind === 'config')) {
    return 2;
  }
  return 1;
}
