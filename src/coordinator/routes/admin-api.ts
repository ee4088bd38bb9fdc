/**
 * dockhand's own API beside the runner API: trigger pipelines, read their status and traces,
 * cancel jobs. Authenticated with the admin token from the data directory (`Authorization:
 * Bearer …` or `PRIVATE-TOKEN`). The web page (later) reads the same records.
 */
import { Hono } from 'hono';
import { HEADER } from '../../protocol/responses.js';
import type { CoordinatorContext } from '../app.js';
import type { JobRecord, PipelineRecord } from '../store/store.js';
import { tokenMatches } from '../tokens.js';
import { jobIdOf } from './runner-api/request-helpers.js';

export const ADMIN_API = '/api/dockhand/v1';

function adminToken(header: (name: string) => string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('Authorization') ?? '');
  return bearer?.[1] ?? header('PRIVATE-TOKEN');
}

function jobView(job: JobRecord) {
  return {
    id: job.id,
    name: job.name,
    stage: job.stage,
    status: job.status,
    tags: job.tags,
    runner_id: job.runnerId ?? null,
    failure_reason: job.failureReason ?? null,
    exit_code: job.exitCode ?? null,
    trace_size: job.traceSize,
  };
}

function pipelineView(pipeline: PipelineRecord, jobs?: readonly JobRecord[]) {
  return {
    id: pipeline.id,
    project_id: pipeline.projectId,
    ref: pipeline.ref,
    sha: pipeline.sha,
    status: pipeline.status,
    created_at: new Date(pipeline.createdAt).toISOString(),
    ...(jobs === undefined ? {} : { jobs: jobs.map(jobView) }),
  };
}

function parseVariables(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
  return Object.fromEntries(entries);
}

export function adminRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();

  routes.use('*', async (c, next) => {
    if (
      !tokenMatches(
        adminToken((name) => c.req.header(name)),
        ctx.adminTokenHash,
      )
    ) {
      return c.json({ message: '401 Unauthorized' }, 401);
    }
    await next();
    return undefined;
  });

  routes.post('/projects/:name/pipelines', async (c) => {
    if (ctx.pipelines === undefined) return c.json({ message: 'pipelines are not enabled' }, 501);
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const ref = typeof body['ref'] === 'string' && body['ref'] !== '' ? body['ref'] : 'main';
    const variables = parseVariables(body['variables']);
    const result = await ctx.pipelines.create({
      project: c.req.param('name'),
      ref,
      ...(variables === undefined ? {} : { variables }),
    });
    switch (result.kind) {
      case 'unknown-project':
        return c.json({ message: `404 Project Not Found` }, 404);
      case 'invalid':
        return c.json(
          { message: '400 Bad request - the pipeline is invalid', errors: result.errors },
          400,
        );
      case 'created': {
        await ctx.scheduler.advance(result.pipelineId);
        const pipeline = await ctx.store.getPipeline(result.pipelineId);
        const jobs = await ctx.store.listPipelineJobs(result.pipelineId);
        return c.json(pipelineView(pipeline as PipelineRecord, jobs), 201);
      }
    }
  });

  routes.get('/pipelines', async (c) => {
    const pipelines = await ctx.store.listPipelines(100);
    return c.json(pipelines.map((p) => pipelineView(p)));
  });

  routes.get('/pipelines/:id', async (c) => {
    const pipeline = await ctx.store.getPipeline(Number(c.req.param('id')));
    if (pipeline === undefined) return c.json({ message: '404 Not Found' }, 404);
    return c.json(pipelineView(pipeline, await ctx.store.listPipelineJobs(pipeline.id)));
  });

  routes.get('/jobs/:id/trace', async (c) => {
    const id = jobIdOf(c);
    const job = id === undefined ? undefined : await ctx.store.getJob(id);
    if (job === undefined) return c.json({ message: '404 Not Found' }, 404);
    c.header(HEADER.jobStatus, job.status);
    return c.body(new Uint8Array(await ctx.store.readTrace(job.id)), 200, {
      'Content-Type': 'text/plain; charset=utf-8',
    });
  });

  routes.post('/jobs/:id/cancel', async (c) => {
    const id = jobIdOf(c);
    const job = id === undefined ? undefined : await ctx.scheduler.cancel(id);
    if (job === undefined) return c.json({ message: '409 Conflict - job cannot be canceled' }, 409);
    return c.json(jobView(job));
  });

  routes.get('/runners', async (c) => {
    const runners = await ctx.store.listRunners();
    return c.json(
      runners.map((r) => ({
        id: r.id,
        description: r.description,
        tags: r.tags,
        run_untagged: r.runUntagged,
        paused: r.paused,
        contacted_at: r.contactedAt === undefined ? null : new Date(r.contactedAt).toISOString(),
      })),
    );
  });

  return routes;
}
