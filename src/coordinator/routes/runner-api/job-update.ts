/**
 * `PUT /jobs/:id`: keep-alive or final state. A final state is accepted only when the trace we
 * hold is the one the runner has: fewer bytes → 202 (send the rest, then update again), a
 * different checksum or more bytes → 412 (resend the whole trace from offset 0).
 */
import { Hono } from 'hono';
import { HEADER } from '../../../protocol/responses.js';
import { traceChecksum } from '../../../protocol/trace.js';
import { validateUpdateJobRequest } from '../../../protocol/validate.js';
import type { CoordinatorContext } from '../../app.js';
import { jobTokenOf, readBody, runningJob } from './request-helpers.js';

export function jobUpdateRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();

  routes.put('/jobs/:id', async (c) => {
    const body = await readBody(c, validateUpdateJobRequest);
    if (!body.ok) return body.response;
    const update = body.value;
    const auth = await runningJob(ctx, c, jobTokenOf(c, update.token));
    if (!auth.ok) return auth.response;
    const { job } = auth;
    await ctx.store.touchJob(job.id, ctx.clock.now());
    if (update.state === 'running') {
      c.header(HEADER.jobStatus, job.status);
      return c.json({}, 200);
    }
    const trace = await ctx.store.readTrace(job.id);
    const bytesize = update.output?.bytesize;
    const checksum = update.output?.checksum ?? update.checksum;
    if (bytesize !== undefined && bytesize > trace.byteLength) {
      c.header(HEADER.traceUpdateInterval, String(ctx.traceUpdateIntervalS));
      c.header(HEADER.jobStatus, job.status);
      return c.json({}, 202);
    }
    const mismatch =
      (bytesize !== undefined && bytesize < trace.byteLength) ||
      (checksum !== undefined && checksum !== traceChecksum(trace));
    if (mismatch) return c.json({ message: '412 Precondition Failed - trace mismatch' }, 412);
    const finished = await ctx.scheduler.finish(
      job,
      update.state,
      update.failure_reason,
      update.exit_code,
    );
    c.header(HEADER.jobStatus, finished?.status ?? job.status);
    return c.json({}, 200);
  });

  return routes;
}
