/**
 * The transport under the coordinator client: fetch with a per-call timeout, bounded retries
 * with exponential backoff on transient failures, and errors that never carry a token (tokens
 * travel in headers; messages name the method, the path and the status only).
 */
import { EnvironmentError } from '../core/errors.js';

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Tries in all, ≥ 1 (GitLab Runner: 5). */
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, minDelayMs: 500, maxDelayMs: 2000 };

export interface HttpOptions {
  /** Coordinator base URL, e.g. `http://127.0.0.1:8080` (no `/api/v4`). */
  readonly url: string;
  readonly fetch?: Fetch;
  readonly retry?: RetryPolicy;
  /** Per-attempt timeout of ordinary calls; default 30 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with `/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A fresh body per attempt (a stream or FormData cannot be sent twice). */
  readonly body?: () => NonNullable<RequestInit['body']>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** false: one attempt only (job requests: a retried request could lose an assigned job). */
  readonly retry?: boolean;
}

/** Statuses worth another try: the server or a proxy is briefly unable to answer. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/** Any failure to get an answer at all: refused, reset, timed out. */
export class CoordinatorUnreachableError extends EnvironmentError {
  constructor(what: string, options: { cause?: unknown } = {}) {
    super('coordinator.unreachable', `could not reach the coordinator: ${what}`, {
      hint: 'check the runner url and that the coordinator is running',
      ...options,
    });
    this.name = 'CoordinatorUnreachableError';
  }
}

/** An answer the protocol does not allow at that point (e.g. 500 after every retry, bad JSON). */
export class CoordinatorProtocolError extends EnvironmentError {
  readonly status: number | undefined;
  constructor(what: string, status?: number) {
    super('coordinator.protocol', `unexpected answer from the coordinator: ${what}`, {
      hint: 'check that the url points at a GitLab-compatible coordinator of a supported version',
    });
    this.name = 'CoordinatorProtocolError';
    this.status = status;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt);
}

/** Sends one call; resolves to the last response (transient ones included) or throws unreachable. */
export async function send(options: HttpOptions, call: HttpCall): Promise<Response> {
  const policy =
    call.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : (options.retry ?? DEFAULT_RETRY);
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? realSleep;
  const what = `${call.method} ${call.path}`;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, policy.attempts); attempt++) {
    if (attempt > 0) await sleep(backoffDelay(policy, attempt - 1));
    throwIfAborted(call.signal);
    const timeout = AbortSignal.timeout(call.timeoutMs ?? options.timeoutMs ?? 30_000);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
    try {
      const body = call.body?.();
      const response = await doFetch(new URL(call.path, options.url).toString(), {
        method: call.method,
        headers: {
          'User-Agent': options.userAgent ?? 'dockhand',
          ...call.headers,
        },
        ...(body === undefined ? {} : { body }),
        signal,
      });
      const last = attempt + 1 >= policy.attempts;
      if (!TRANSIENT.has(response.status) || last) return response;
      await response.body?.cancel();
    } catch (error) {
      throwIfAborted(call.signal);
      lastError = error;
    }
  }
  throw new CoordinatorUnreachableError(`${what}: ${describe(lastError)}`, { cause: lastError });
}

/** The caller's cancellation wins over retries: rethrow its reason as-is. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** The reason of a fetch failure without anything request-specific: code or name only. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause as { code?: unknown } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (error.name === 'TimeoutError') return 'timed out';
  return error.name;
}

export async function readJson(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new CoordinatorProtocolError(`${what}: the body is not JSON`, response.status);
  }
}
