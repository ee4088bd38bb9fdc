/** `PATCH /jobs/:id/trace`: append-only with Content-Range; 416 tells the runner our size. */
import { Hono } from 'hono';
import { HEADER } from '../../../protocol/responses.js';
import {
  formatTraceRange,
  MAX_TRACE_PATCH_BYTES,
  parseContentRange,
} from '../../../protocol/trace.js';
import type { CoordinatorContext } from '../../app.js';
import { jobTokenOf, runningJob } from './request-helpers.js';

export function traceRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();

  routes.patch('/jobs/:id/trace', async (c) => {
    const auth = await runningJob(ctx, c, jobTokenOf(c));
    if (!auth.ok) return auth.response;
    const { job } = auth;
    c.header(HEADER.jobStatus, job.status);
    const range = parseContentRange(c.req.header(HEADER.contentRange));
    if (range === undefined) {
      return c.json({ message: '400 Bad request - missing or invalid Content-Range' }, 400);
    }
    const length = range.end - range.start + 1;
    if (length > MAX_TRACE_PATCH_BYTES) return c.json({ message: '413 Payload Too Large' }, 413);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength !== length) {
      return c.json({ message: '400 Bad request - body length does not match Content-Range' }, 400);
    }
    const appended = await ctx.store.appendTrace(job.id, range.start, bytes);
    c.header(HEADER.range, formatTraceRange(appended.size));
    if (!appended.ok) return c.json({ message: '416 Range Not Satisfiable' }, 416);
    await ctx.store.touchJob(job.id, ctx.clock.now());
    ctx.events.emit({ kind: 'trace', jobId: job.id, offset: range.start, bytes });
    c.header(HEADER.traceUpdateInterval, String(ctx.traceUpdateIntervalS));
    return c.body(null, 202);
  });

  return routes;
}
