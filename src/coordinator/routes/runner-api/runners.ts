/** Runner lifecycle: register (registration token), verify (`glrt-` flow), unregister. */
import { Hono } from 'hono';
import {
  parseTagList,
  validateRegisterRunnerRequest,
  validateUnregisterRunnerRequest,
  validateVerifyRunnerRequest,
} from '../../../protocol/validate.js';
import type { RunnerTokenResponse } from '../../../protocol/responses.js';
import type { CoordinatorContext } from '../../app.js';
import { generateToken, hashToken, RUNNER_TOKEN_PREFIX, tokenMatches } from '../../tokens.js';
import { readBody } from './request-helpers.js';

export function runnerRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();
  const forbidden = { message: '403 Forbidden' };

  routes.post('/runners', async (c) => {
    const body = await readBody(c, validateRegisterRunnerRequest);
    if (!body.ok) return body.response;
    if (ctx.registrationTokenHash === undefined) {
      return c.json({ message: '410 Gone - runner registration tokens are disabled' }, 410);
    }
    if (!tokenMatches(body.value.token, ctx.registrationTokenHash)) return c.json(forbidden, 403);
    const tags = parseTagList(body.value.tag_list);
    const token = generateToken(RUNNER_TOKEN_PREFIX);
    const runner = await ctx.store.createRunner({
      tokenHash: hashToken(token),
      description: body.value.description ?? '',
      tags,
      runUntagged: body.value.run_untagged ?? tags.length === 0,
      locked: body.value.locked ?? false,
      paused: body.value.paused ?? false,
      accessLevel: body.value.access_level ?? 'not_protected',
      ...(body.value.maximum_timeout === undefined
        ? {}
        : { maximumTimeout: body.value.maximum_timeout }),
      createdAt: ctx.clock.now(),
    });
    const answer: RunnerTokenResponse = { id: runner.id, token, token_expires_at: null };
    return c.json(answer, 201);
  });

  routes.post('/runners/verify', async (c) => {
    const body = await readBody(c, validateVerifyRunnerRequest);
    if (!body.ok) return body.response;
    const runner = await ctx.store.findRunnerByTokenHash(hashToken(body.value.token));
    if (runner === undefined) return c.json(forbidden, 403);
    await ctx.store.touchRunner(runner.id, ctx.clock.now());
    const answer: RunnerTokenResponse = {
      id: runner.id,
      token: body.value.token,
      token_expires_at: null,
    };
    return c.json(answer, 200);
  });

  routes.delete('/runners', async (c) => {
    const body = await readBody(c, validateUnregisterRunnerRequest);
    if (!body.ok) return body.response;
    const runner = await ctx.store.findRunnerByTokenHash(hashToken(body.value.token));
    if (runner === undefined) return c.json(forbidden, 403);
    await ctx.store.deleteRunner(runner.id);
    return c.body(null, 204);
  });

  // One runner may run on several hosts (system ids); dockhand keeps no per-host record yet.
  routes.delete('/runners/managers', async (c) => {
    const body = await readBody(c, validateUnregisterRunnerRequest);
    if (!body.ok) return body.response;
    const runner = await ctx.store.findRunnerByTokenHash(hashToken(body.value.token));
    return runner === undefined ? c.json(forbidden, 403) : c.body(null, 204);
  });

  return routes;
}
