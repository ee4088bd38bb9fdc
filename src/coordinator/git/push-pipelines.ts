/**
 * What a push starts: one pipeline per branch or tag the push created or moved, built from the
 * pushed commit (CI_PIPELINE_SOURCE=push, CI_COMMIT_BEFORE_SHA the ref's old value). Deleted
 * refs and refs outside heads/tags start nothing. Returns the lines git shows as `remote: …`.
 */
import type { PipelineTrigger } from '../pipeline-trigger.js';
import type { Scheduler } from '../scheduler.js';
import { isZeroSha, type RefUpdate } from './receive-commands.js';

export interface PushPipelineDeps {
  readonly pipelines: PipelineTrigger | undefined;
  readonly scheduler: Scheduler;
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

export function startsPipeline(update: RefUpdate): boolean {
  return !isZeroSha(update.newSha) && /^refs\/(heads|tags)\/./.test(update.ref);
}

export async function startPushPipelines(
  deps: PushPipelineDeps,
  project: string,
  updates: readonly RefUpdate[],
  /** The server's URL as the pusher reached it, for links. */
  baseUrl: string,
): Promise<string[]> {
  const wanted = updates.filter(startsPipeline);
  if (wanted.length === 0) return [];
  if (deps.pipelines === undefined) return ['dockhand: pipelines are not enabled on this server'];
  const messages: string[] = [];
  for (const update of wanted) {
    const name = shortRef(update.ref);
    const result = await deps.pipelines.create({
      project,
      ref: update.ref,
      pushed: { sha: update.newSha, beforeSha: update.oldSha },
      source: 'push',
    });
    switch (result.kind) {
      case 'created':
        await deps.scheduler.advance(result.pipelineId);
        messages.push(
          `dockhand: pipeline #${result.pipelineId} for ${name}: ${baseUrl}/pipelines/${result.pipelineId}`,
        );
        break;
      case 'unknown-project':
        messages.push(`dockhand: no pipeline for ${name}: project ${project} is not known`);
        break;
      case 'invalid':
        messages.push(`dockhand: no pipeline for ${name}:`);
        for (const error of result.errors.slice(0, 20)) messages.push(`dockhand:   ${error}`);
        break;
    }
  }
  return messages;
}
