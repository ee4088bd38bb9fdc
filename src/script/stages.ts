/**
 * The job stages in GitLab Runner's order, with the descriptions it prints in section headers
 * (shared/reference/gitlab-runner.md §2.2). Pure data.
 *
 * This list mirrors `Stage` in src/executors/executor.ts: src/script may not import executors
 * (layer rule), so the union is restated here and src/runner checks at compile time that the two
 * stay identical.
 */
export const STAGE_ORDER = [
  'prepare_script',
  'get_sources',
  'restore_cache',
  'download_artifacts',
  'step_script',
  'after_script',
  'archive_cache',
  'archive_cache_on_failure',
  'upload_artifacts_on_success',
  'upload_artifacts_on_failure',
  'cleanup_file_variables',
] as const;

export type StageName = (typeof STAGE_ORDER)[number];

/** The section the runner opens around the executor's own `prepare` (no script runs in it). */
export const PREPARE_EXECUTOR_SECTION = 'prepare_executor';

/** `Preparing the "docker" executor`, as GitLab prints it. */
export function prepareExecutorDescription(executorName: string): string {
  return `Preparing the "${executorName}" executor`;
}

const descriptions: Record<StageName, string> = {
  prepare_script: 'Preparing environment',
  get_sources: 'Getting source from Git repository',
  restore_cache: 'Restoring cache',
  download_artifacts: 'Downloading artifacts',
  step_script: 'Executing "step_script" stage of the job script',
  after_script: 'Running after_script',
  archive_cache: 'Saving cache for successful job',
  archive_cache_on_failure: 'Saving cache for failed job',
  upload_artifacts_on_success: 'Uploading artifacts for successful job',
  upload_artifacts_on_failure: 'Uploading artifacts for failed job',
  cleanup_file_variables: 'Cleaning up project directory and file based variables',
};

/** The header GitLab prints at the top of a stage's section. */
export function stageDescription(stage: StageName): string {
  return descriptions[stage];
}

/** How the user's part of the job (everything up to and including step_script) ended. */
export type ScriptOutcome = 'success' | 'failed' | 'canceled';

/**
 * Stages that run after `step_script`, given how it ended. `after_script` runs whatever the
 * outcome; the `_on_failure` variants replace the success ones after a failure or cancel;
 * `cleanup_file_variables` always closes the job. (Whether a stage has anything to do is decided
 * by the caller: stages with nothing to do are skipped without a section.)
 */
export function stagesAfterScript(outcome: ScriptOutcome): readonly StageName[] {
  return outcome === 'success'
    ? ['after_script', 'archive_cache', 'upload_artifacts_on_success', 'cleanup_file_variables']
    : [
        'after_script',
        'archive_cache_on_failure',
        'upload_artifacts_on_failure',
        'cleanup_file_variables',
      ];
}

/** Stages that run before the user's script, in order. A failure in any of them skips after_script. */
export const STAGES_BEFORE_SCRIPT: readonly StageName[] = [
  'prepare_script',
  'get_sources',
  'restore_cache',
  'download_artifacts',
];
