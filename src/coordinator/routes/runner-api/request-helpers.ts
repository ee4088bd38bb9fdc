/**
 * What the runner-api routes share: reading a JSON body into a validated value, and finding the
 * job a JOB-TOKEN speaks for. Answers carry GitLab's `{message}` bodies and never a token.
 */
import type { Context } from 'hono';
import { HEADER } from '../../../protocol/responses.js';
import type { Validation } from '../../../protocol/validator.js';
import { formatValidationError } from '../../../protocol/validator.js';
import type { CoordinatorContext } from '../../app.js';
import type { JobRecord } from '../../store/store.js';
import { tokenMatches } from '../../tokens.js';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: Response };

export async function readBody<T>(
  c: Context,
  validate: (value: unknown) => Validation<T>,
): Promise<BodyResult<T>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return { ok: false, response: c.json({ message: '400 Bad request - body is not JSON' }, 400) };
  }
  const result = validate(json);
  if (!result.ok) {
    const message = `400 Bad request - ${formatValidationError(result.error)}`;
    return { ok: false, response: c.json({ message }, 400) };
  }
  return { ok: true, value: result.value };
}

export function jobIdOf(c: Context): number | undefined {
  const id = Number(c.req.param('id'));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function jobTokenOf(c: Context, bodyToken?: string): string | undefined {
  return c.req.header(HEADER.jobToken) ?? c.req.query('token') ?? bodyToken;
}

export type JobAuth = { ok: true; job: JobRecord } | { ok: false; response: Response };

/**
 * The job `:id` if `token` is its token and it is still running (or being canceled): GitLab
 * answers 404 for an unknown job and 403 for a wrong token or a job that is over.
 */
export async function runningJob(
  ctx: CoordinatorContext,
  c: Context,
  token: string | undefined,
): Promise<JobAuth> {
  const id = jobIdOf(c);
  const job = id === undefined ? undefined : await ctx.store.getJob(id);
  if (job === undefined) return { ok: false, response: c.json({ message: '404 Not Found' }, 404) };
  if (!tokenMatches(token, job.tokenHash)) {
    return { ok: false, response: c.json({ message: '403 Forbidden' }, 403) };
  }
  if (job.status !== 'running' && job.status !== 'canceling') {
    c.header(HEADER.jobStatus, job.status);
    return { ok: false, response: c.json({ message: '403 Forbidden - Job is not running' }, 403) };
  }
  return { ok: true, job };
}
