/**
 * The coordinator's web UI: `/` (projects and recent pipelines), `/projects/:name`,
 * `/pipelines/:id`, `/jobs/:id` (with the live log) and `/jobs/:id/stream` (its SSE feed).
 * Read-only and server-rendered. It is as open as the server's listen address: keep that on
 * loopback or behind an authenticating proxy (docs/coordinator.md).
 */
import { Hono, type Context } from 'hono';
import { isFinishedStatus } from '../../../protocol/responses.js';
import type { CoordinatorContext } from '../../app.js';
import type { PipelineRecord, ProjectRecord, RunnerRecord } from '../../store/store.js';
import { contentSecurityPolicy, escapeHtml, newNonce, page } from './html.js';
import { LIVE_LOG_SCRIPT, liveLog } from './live-log.js';
import { LogRenderer, opsToHtml, renderTrace } from './log-renderer.js';
import {
  homeBody,
  jobBody,
  pipelineBody,
  projectBody,
  runnerName,
  type PipelineRow,
} from './pages.js';

const RECENT = 100;

function html(
  c: Context,
  title: string,
  body: string,
  extra: { script?: string; refresh?: number } = {},
) {
  const nonce = newNonce();
  c.header('Content-Security-Policy', contentSecurityPolicy(nonce));
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  return c.html(
    page({
      title,
      body,
      nonce,
      ...(extra.script === undefined ? {} : { script: extra.script }),
      ...(extra.refresh === undefined ? {} : { refreshSeconds: extra.refresh }),
    }),
  );
}

function notFound(c: Context, what: string) {
  c.status(404);
  return html(c, 'Not found', `<h1>Not found</h1><p class="muted">${escapeHtml(what)}</p>`);
}

function idParam(c: Context): number | undefined {
  const id = Number(c.req.param('id'));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function rowsOf(pipelines: readonly PipelineRecord[], projects: readonly ProjectRecord[]) {
  const byId = new Map(projects.map((p) => [p.id, p]));
  return pipelines.map((pipeline): PipelineRow => ({
    pipeline,
    project: byId.get(pipeline.projectId),
  }));
}

function moving(status: string): boolean {
  return status === 'pending' || status === 'running' || status === 'created';
}

export function uiRoutes(ctx: CoordinatorContext): Hono {
  const routes = new Hono();
  const { store } = ctx;
  const runnersById = async () =>
    new Map((await store.listRunners()).map((r): [number, RunnerRecord] => [r.id, r]));

  routes.get('/', async (c) => {
    const projects = await store.listProjects();
    const rows = rowsOf(await store.listPipelines(RECENT), projects);
    const refresh = rows.some((r) => moving(r.pipeline.status)) ? 5 : undefined;
    return html(c, 'Projects', homeBody(projects, rows), refresh === undefined ? {} : { refresh });
  });

  routes.get('/projects/:name', async (c) => {
    const project = await store.findProjectByName(c.req.param('name'));
    if (project === undefined) return notFound(c, 'No such project.');
    const pipelines = (await store.listPipelines(RECENT)).filter((p) => p.projectId === project.id);
    const refresh = pipelines.some((p) => moving(p.status)) ? 5 : undefined;
    return html(c, project.name, projectBody(project, rowsOf(pipelines, [project])), {
      ...(refresh === undefined ? {} : { refresh }),
    });
  });

  routes.get('/pipelines/:id', async (c) => {
    const id = idParam(c);
    const pipeline = id === undefined ? undefined : await store.getPipeline(id);
    if (pipeline === undefined) return notFound(c, 'No such pipeline.');
    const project = (await store.listProjects()).find((p) => p.id === pipeline.projectId);
    const jobs = await store.listPipelineJobs(pipeline.id);
    const body = pipelineBody(pipeline, project, jobs, await runnersById());
    return html(c, `Pipeline #${pipeline.id}`, body, moving(pipeline.status) ? { refresh: 3 } : {});
  });

  routes.get('/jobs/:id', async (c) => {
    const id = idParam(c);
    const job = id === undefined ? undefined : await store.getJob(id);
    if (job === undefined) return notFound(c, 'No such job.');
    const trace = await store.readTrace(job.id);
    const runner = runnerName(await runnersById(), job.runnerId);
    if (isFinishedStatus(job.status)) {
      const body = jobBody({ job, runner, logHtml: renderTrace(trace), liveFrom: undefined });
      return html(c, `Job ${job.name}`, body);
    }
    // Complete lines now; the stream continues from the end of the last one.
    const renderer = new LogRenderer();
    const logHtml = opsToHtml(renderer.push(trace));
    const body = jobBody({ job, runner, logHtml, liveFrom: renderer.consumed });
    return html(c, `Job ${job.name}`, body, { script: LIVE_LOG_SCRIPT });
  });

  routes.get('/jobs/:id/stream', (c) => {
    const id = idParam(c);
    if (id === undefined) return c.text('not found', 404);
    c.header('Cache-Control', 'no-store');
    return liveLog(ctx, c, id);
  });

  return routes;
}
