/**
 * Creating a pipeline for a project at a ref: read the repository, build the jobs, store them.
 * The admin API calls this for `dockhand server trigger` and git hooks, the git HTTP
 * routes for every pushed branch or tag.
 */
import type { Clock } from './clock.js';
import { buildPipeline } from './pipeline-factory.js';
import { readRepoAt, type PushedRef } from './repo-source.js';
import type { Store } from './store/store.js';

export type TriggerResult =
  | { readonly kind: 'created'; readonly pipelineId: number }
  | { readonly kind: 'unknown-project' }
  | { readonly kind: 'invalid'; readonly errors: readonly string[] };

export interface TriggerRequest {
  readonly project: string;
  readonly ref: string;
  readonly variables?: Readonly<Record<string, string>>;
  /** For a push: the commit pushed and the ref's value before (else the ref's tip is read). */
  readonly pushed?: PushedRef;
  /** CI_PIPELINE_SOURCE; `push` when absent. */
  readonly source?: string;
}

export interface PipelineTrigger {
  create(request: TriggerRequest): Promise<TriggerResult>;
}

/** `registry`: the container registry as jobs reach it (HOST:PORT), for CI_REGISTRY*. */
export function gitPipelineTrigger(
  store: Store,
  clock: Clock,
  serverUrl: string,
  registry?: string,
): PipelineTrigger {
  return {
    async create(request) {
      const project = await store.findProjectByName(request.project);
      if (project === undefined) return { kind: 'unknown-project' };
      const read = await readRepoAt(project.path, request.ref, request.pushed);
      if (!read.ok) return { kind: 'invalid', errors: [read.reason] };
      const now = clock.now();
      const built = buildPipeline({
        project,
        commit: read.commit,
        serverUrl,
        createdAt: new Date(now).toISOString(),
        ...(request.variables === undefined ? {} : { variables: request.variables }),
        ...(registry === undefined ? {} : { registry }),
        ...(request.source === undefined ? {} : { source: request.source }),
      });
      if (!built.ok) return { kind: 'invalid', errors: built.errors };
      const { pipeline } = await store.createPipeline(
        {
          projectId: project.id,
          ref: read.commit.ref,
          refType: read.commit.refType,
          sha: read.commit.sha,
          status: 'pending',
          createdAt: now,
        },
        built.jobs,
        built.payloadFor,
      );
      return { kind: 'created', pipelineId: pipeline.id };
    },
  };
}
