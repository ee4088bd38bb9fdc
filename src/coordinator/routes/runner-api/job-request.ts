/**
 * `POST /jobs/request`: the long poll. A runner whose `last_update` equals the current queue
 * version is held until new jobs are released or the hold time passes (what Workhorse does for
 * GitLab); any other runner gets an answer at once.
 */
import { Hono } from 'hono';
import { HEADER } from '../../../protocol/responses.js';
import { validateJobRequest } from '../../../protocol/validate.js';
import type { CoordinatorContext } from '../../app.js';
import { hashToken } from '../../tokens.js';
import { readBody } from './request-helpers.js';

export function jobRequestRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();

  routes.post('/jobs/request', async (c) => {
    const body = await readBody(c, validateJobRequest);
    if (!body.ok) return body.response;
    const runner = await ctx.store.findRunnerByTokenHash(hashToken(body.value.token));
    if (runner === undefined) return c.json({ message: '403 Forbidden' }, 403);
    await ctx.store.touchRunner(runner.id, ctx.clock.now());

    let dispatched = await ctx.scheduler.assign(runner);
    if (dispatched === undefined && body.value.last_update === ctx.signal.version) {
      const changed = await ctx.signal.waitForChange(
        body.value.last_update,
        ctx.pollHoldMs,
        c.req.raw.signal,
      );
      if (changed) dispatched = await ctx.scheduler.assign(runner);
    }
    if (dispatched !== undefined) return c.json(dispatched.payload, 201);
    c.header(HEADER.lastUpdate, ctx.signal.version);
    return c.body(null, 204);
  });

  return routes;
}
