/**
 * The pages of the coordinator's web UI as functions of records: projects → pipelines → jobs.
 * They show names, refs, statuses, runners and (masked) traces; never payloads, variables or
 * tokens, which is why they take records field by field.
 */
import type { JobRecord, PipelineRecord, ProjectRecord, RunnerRecord } from '../../store/store.js';
import { badge, durationOf, escapeHtml, timeOf } from './html.js';

export interface PipelineRow {
  readonly pipeline: PipelineRecord;
  readonly project: ProjectRecord | undefined;
}

function pipelineTable(rows: readonly PipelineRow[]): string {
  if (rows.length === 0) return '<p class="muted">No pipelines yet.</p>';
  const body = rows
    .map(({ pipeline, project }) => {
      const projectCell =
        project === undefined
          ? '–'
          : `<a href="/projects/${encodeURIComponent(project.name)}">${escapeHtml(project.name)}</a>`;
      return `<tr><td><a href="/pipelines/${pipeline.id}">#${pipeline.id}</a></td><td>${badge(pipeline.status)}</td>
<td>${projectCell}</td><td>${escapeHtml(pipeline.ref)}</td><td><code class="sha">${escapeHtml(pipeline.sha.slice(0, 8))}</code></td>
<td>${timeOf(pipeline.createdAt)}</td><td>${durationOf(pipeline.createdAt, pipeline.finishedAt)}</td></tr>`;
    })
    .join('\n');
  return `<table class="pipelines"><thead><tr><th>Pipeline</th><th>Status</th><th>Project</th><th>Ref</th><th>Commit</th><th>Created</th><th>Duration</th></tr></thead><tbody>${body}</tbody></table>`;
}

export function homeBody(projects: readonly ProjectRecord[], rows: readonly PipelineRow[]): string {
  const list =
    projects.length === 0
      ? '<p class="muted">No projects. Start the server with --project NAME=PATH.</p>'
      : `<table class="projects"><thead><tr><th>Project</th><th>Pipelines</th><th>Latest</th></tr></thead><tbody>${projects
          .map((p) => {
            const mine = rows.filter((r) => r.pipeline.projectId === p.id);
            const latest = mine[0]?.pipeline;
            return `<tr><td><a href="/projects/${encodeURIComponent(p.name)}">${escapeHtml(p.name)}</a></td><td>${mine.length}</td><td>${
              latest === undefined
                ? '–'
                : `<a href="/pipelines/${latest.id}">#${latest.id}</a> ${badge(latest.status)}`
            }</td></tr>`;
          })
          .join('\n')}</tbody></table>`;
  return `<h1>Projects</h1>${list}<h2>Recent pipelines</h2>${pipelineTable(rows)}`;
}

export function projectBody(project: ProjectRecord, rows: readonly PipelineRow[]): string {
  return `<h1>${escapeHtml(project.name)}</h1><h2>Pipelines</h2>${pipelineTable(rows)}`;
}

export function runnerName(
  runners: ReadonlyMap<number, RunnerRecord>,
  id: number | undefined,
): string {
  if (id === undefined) return '–';
  const runner = runners.get(id);
  return runner === undefined
    ? `#${id}`
    : `${escapeHtml(runner.description || `runner #${id}`)} <span class="muted">#${id}</span>`;
}

export function pipelineBody(
  pipeline: PipelineRecord,
  project: ProjectRecord | undefined,
  jobs: readonly JobRecord[],
  runners: ReadonlyMap<number, RunnerRecord>,
): string {
  const stages = new Map<number, { name: string; jobs: JobRecord[] }>();
  for (const job of [...jobs].sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id)) {
    const stage = stages.get(job.stageIndex) ?? { name: job.stage, jobs: [] };
    stage.jobs.push(job);
    stages.set(job.stageIndex, stage);
  }
  const columns = [...stages.values()]
    .map(
      (stage) =>
        `<section class="stage"><h3>${escapeHtml(stage.name)}</h3>${stage.jobs
          .map(
            (job) =>
              `<div class="job-card" data-job="${job.id}">${badge(job.status)} <a href="/jobs/${job.id}">${escapeHtml(job.name)}</a>
<div class="muted">${job.tags.length === 0 ? 'untagged' : `tags: ${job.tags.map(escapeHtml).join(', ')}`} · ${runnerName(runners, job.runnerId)}</div></div>`,
          )
          .join('')}</section>`,
    )
    .join('');
  const projectLink =
    project === undefined
      ? '–'
      : `<a href="/projects/${encodeURIComponent(project.name)}">${escapeHtml(project.name)}</a>`;
  return `<h1>Pipeline #${pipeline.id} ${badge(pipeline.status, 'pipeline-status')}</h1>
<dl class="meta"><dt>Project</dt><dd>${projectLink}</dd><dt>Ref</dt><dd>${escapeHtml(pipeline.ref)}</dd>
<dt>Commit</dt><dd><code class="sha">${escapeHtml(pipeline.sha)}</code></dd><dt>Created</dt><dd>${timeOf(pipeline.createdAt)}</dd>
<dt>Duration</dt><dd>${durationOf(pipeline.createdAt, pipeline.finishedAt)}</dd></dl>
<div class="stages">${columns}</div>`;
}

export interface JobView {
  readonly job: JobRecord;
  readonly runner: string;
  /** The trace rendered so far. */
  readonly logHtml: string;
  /** Byte offset the live stream continues from; undefined when the job is over. */
  readonly liveFrom: number | undefined;
}

export function jobBody({ job, runner, logHtml, liveFrom }: JobView): string {
  const failure =
    job.failureReason === undefined
      ? ''
      : `<dt>Failure</dt><dd>${escapeHtml(job.failureReason)}${job.exitCode === undefined ? '' : ` (exit code ${job.exitCode})`}</dd>`;
  const live = liveFrom !== undefined;
  return `<h1>Job #${job.id} ${escapeHtml(job.name)} ${badge(job.status, 'job-status')}${
    live ? '<span class="live" id="live">● live</span>' : ''
  }</h1>
<dl class="meta"><dt>Pipeline</dt><dd><a href="/pipelines/${job.pipelineId}">#${job.pipelineId}</a></dd>
<dt>Stage</dt><dd>${escapeHtml(job.stage)}</dd><dt>Runner</dt><dd>${runner}</dd>
<dt>Started</dt><dd>${timeOf(job.startedAt)}</dd><dt>Duration</dt><dd>${durationOf(job.startedAt, job.finishedAt)}</dd>${failure}</dl>
<div id="log" class="log" data-job="${job.id}" data-live="${String(live)}" data-from="${liveFrom ?? job.traceSize}">${logHtml}</div>`;
}
