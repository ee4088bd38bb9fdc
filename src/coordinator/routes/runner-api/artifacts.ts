/**
 * Artifacts: upload by the running job (multipart field `file`), download by any running job
 * of the same pipeline (dependencies), authenticated with that job's own token as in GitLab.
 */
import { Hono } from 'hono';
import type { CoordinatorContext } from '../../app.js';
import { tokenMatches } from '../../tokens.js';
import { jobIdOf, jobTokenOf, runningJob } from './request-helpers.js';

export function artifactRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();
  const tooLarge = { message: '413 Request Entity Too Large' };

  routes.post('/jobs/:id/artifacts', async (c) => {
    const auth = await runningJob(ctx, c, jobTokenOf(c));
    if (!auth.ok) return auth.response;
    const declared = Number(c.req.header('Content-Length') ?? 0);
    if (declared > ctx.maxArtifactBytes) return c.json(tooLarge, 413);
    const form = await c.req.parseBody().catch(() => undefined);
    const file = form?.['file'];
    if (!(file instanceof File)) {
      return c.json({ message: '400 Bad request - file is missing' }, 400);
    }
    if (file.size > ctx.maxArtifactBytes) return c.json(tooLarge, 413);
    const data = new Uint8Array(await file.arrayBuffer());
    await ctx.artifacts.put(auth.job.id, data);
    const expireIn = c.req.query('expire_in');
    await ctx.store.putArtifact({
      jobId: auth.job.id,
      filename: file.name === '' ? 'artifacts.zip' : file.name,
      size: data.byteLength,
      format: c.req.query('artifact_format') ?? 'zip',
      type: c.req.query('artifact_type') ?? 'archive',
      ...(expireIn === undefined ? {} : { expireIn }),
      createdAt: ctx.clock.now(),
    });
    return c.json({}, 201);
  });

  routes.get('/jobs/:id/artifacts', async (c) => {
    const token = jobTokenOf(c);
    if (token === undefined) return c.json({ message: '401 Unauthorized' }, 401);
    const id = jobIdOf(c);
    const job = id === undefined ? undefined : await ctx.store.getJob(id);
    if (job === undefined) return c.json({ message: '404 Not Found' }, 404);
    const siblings = await ctx.store.listPipelineJobs(job.pipelineId);
    const allowed = siblings.some(
      (other) =>
        (other.status === 'running' || other.status === 'canceling') &&
        tokenMatches(token, other.tokenHash),
    );
    if (!allowed) return c.json({ message: '403 Forbidden' }, 403);
    const artifact = await ctx.store.getArtifact(job.id);
    const data = artifact === undefined ? undefined : await ctx.artifacts.get(job.id);
    if (artifact === undefined || data === undefined) {
      return c.json({ message: '404 Not Found' }, 404);
    }
    const filename = artifact.filename.replace(/["\\\r\n]/g, '_');
    return c.body(new Uint8Array(data), 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${filename}"`,
    });
  });

  return routes;
}
