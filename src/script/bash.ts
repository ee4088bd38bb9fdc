import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import { getSourcesBody } from './git-sources.js';
import { notice, quote } from './shell-words.js';
import type { StageName } from './stages.js';
import { isShellName } from './variables.js';

/** `CI_JOB_STATUS` as the scripts see it: `running`, then the outcome for after_script. */
export type JobStatus = 'running' | 'success' | 'failed' | 'canceled';

/** What a stage script needs besides the job. */
export interface StageScriptOptions {
  /** The effective, expanded variables (src/script/variables.ts `effectiveVariables`). */
  readonly variables: readonly JobVariable[];
  /** `CI_JOB_STATUS` for this stage; `running` unless this is after_script. */
  readonly jobStatus?: JobStatus;
  /** config.toml `debug_trace_disabled`: ignore `CI_DEBUG_TRACE`. */
  readonly debugTraceDisabled?: boolean;
  /** config.toml `pre_build_script`: runs in step_script's shell before the job's script. */
  readonly preBuildScript?: string | undefined;
  /** config.toml `post_build_script`: runs after the job's script, only if it succeeded. */
  readonly postBuildScript?: string | undefined;
}

/**
 * The prelude every stage script starts with: stop at the first failing command (and at failing
 * pipeline members where the shell supports pipefail: bash and busybox do, old dash does not),
 * and allow `>` to overwrite.
 */
const PRELUDE = [
  'if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi',
  'set -o errexit',
  'set +o noclobber',
];

function stepScript(job: JobSpec, name: string): readonly string[] {
  const step = job.steps.find((s) => s.name === name);
  return (step?.script ?? []).filter((line) => line.trim() !== '');
}

function nonEmpty(script: string | undefined): string[] {
  return script === undefined || script.trim() === '' ? [] : [script];
}

/** `$ cmd`, or `$ <first line> # collapsed multi-line command` for a multi-line command. */
export function commandEcho(command: string): string {
  const trimmed = command.trim();
  const newline = trimmed.indexOf('\n');
  return newline < 0
    ? `$ ${trimmed}`
    : `$ ${trimmed.slice(0, newline).trimEnd()} # collapsed multi-line command`;
}

function userCommands(commands: readonly string[]): string[] {
  return commands.flatMap((command) => [notice(commandEcho(command)), command.trim()]);
}

/**
 * Exports every variable. Plain values are single-quoted (no expansion in the shell: expansion
 * already happened in the runner). File variables are written to `$RUNNER_TEMP_PROJECT_DIR/<KEY>`
 * and the variable holds that path. Names a shell cannot export are skipped rather than aborting
 * the script.
 */
export function exportVariables(variables: readonly JobVariable[], jobStatus: JobStatus): string[] {
  const usable = variables.filter((v) => isShellName(v.key) && v.key !== 'CI_JOB_STATUS');
  const plain = usable.filter((v) => !v.file);
  const files = usable.filter((v) => v.file);
  const lines = plain.map((v) => `export ${v.key}=${quote(v.value)}`);
  lines.push(`export CI_JOB_STATUS=${quote(jobStatus)}`);
  if (files.length > 0) {
    lines.push('mkdir -p "$RUNNER_TEMP_PROJECT_DIR"');
    for (const v of files) {
      lines.push(`printf '%s' ${quote(v.value)} > "$RUNNER_TEMP_PROJECT_DIR/${v.key}"`);
      lines.push(`export ${v.key}="$RUNNER_TEMP_PROJECT_DIR/${v.key}"`);
    }
  }
  return lines;
}

function debugTrace(options: StageScriptOptions): boolean {
  if (options.debugTraceDisabled === true) return false;
  const value = options.variables.findLast((v) => v.key === 'CI_DEBUG_TRACE')?.value;
  return value === 'true' || value === '1';
}

/** The stage-specific commands, or undefined when the stage has nothing to do. */
function stageBody(
  job: JobSpec,
  stage: StageName,
  options: StageScriptOptions,
): string[] | undefined {
  switch (stage) {
    case 'prepare_script':
      // Empty on purpose: the executor reports where the job runs (`Running on <container> via
      // <host>...`) without starting a helper just to print it.
      return [];
    case 'get_sources':
      return getSourcesBody(job, options.variables);
    case 'step_script': {
      const commands = stepScript(job, 'script');
      // As GitLab Runner: the runner's scripts wrap the job's, in the same shell (errexit applies,
      // so a failing script skips post_build_script), and only when the job has a script.
      return commands.length === 0
        ? undefined
        : [
            'cd "$CI_PROJECT_DIR"',
            ...userCommands([
              ...nonEmpty(options.preBuildScript),
              ...commands,
              ...nonEmpty(options.postBuildScript),
            ]),
          ];
    }
    case 'after_script': {
      const commands = stepScript(job, 'after_script');
      return commands.length === 0
        ? undefined
        : ['cd "$CI_PROJECT_DIR"', notice('Running after script...'), ...userCommands(commands)];
    }
    case 'cleanup_file_variables':
      // Only file variables put anything there; an empty script costs executors nothing.
      return options.variables.some((v) => v.file) ? ['rm -rf "$RUNNER_TEMP_PROJECT_DIR"'] : [];
    case 'restore_cache':
    case 'download_artifacts':
    case 'archive_cache':
    case 'archive_cache_on_failure':
    case 'upload_artifacts_on_success':
    case 'upload_artifacts_on_failure':
      // Caches and artifacts are not implemented yet: these stages have nothing to do.
      return undefined;
  }
}

/**
 * The whole script of one stage, as GitLab Runner's bash shell generates it, to be fed to
 * `bash` or busybox `sh` on stdin. Returns undefined when the stage has nothing to do (no
 * section is printed for it), and '' when the stage is shown but has nothing to execute
 * (executors then start nothing).
 *
 * The body runs as `( eval '…' ) < /dev/null`: the shell has read the whole body before running
 * any of it, and, in a subshell with stdin from /dev/null, the user's commands cannot read the
 * rest of the script (which the shell itself is reading from its stdin).
 */
export function stageScript(
  job: JobSpec,
  stage: StageName,
  options: StageScriptOptions,
): string | undefined {
  const body = stageBody(job, stage, options);
  if (body === undefined) return undefined;
  // The stage runs (its section is printed) but there is nothing to execute.
  if (body.length === 0) return '';
  const lines = [
    ...(debugTrace(options) ? ['set -o xtrace'] : []),
    ...exportVariables(options.variables, options.jobStatus ?? 'running'),
    ...body,
  ];
  return [...PRELUDE, `( eval ${quote(`${lines.join('\n')}\n`)} ) < /dev/null`, 'exit 0', ''].join(
    '\n',
  );
}
