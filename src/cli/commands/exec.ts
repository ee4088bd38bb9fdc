import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readGitSnapshot, type GitSnapshot } from '../../git/read-repo.js';
import type { JobVariable } from '../../protocol/job-spec.js';
import type { Command } from '../command.js';
import { stderrLogger, type CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';

const help = `Usage: dockhand exec [JOB...] [flags]

Runs .gitlab-ci.yml locally the way GitLab and its runners would: with no JOB, the pipeline for
the current commit (stage order and the needs DAG, when, allow_failure, rules, retry, timeout,
parallel/matrix; manual jobs only when named), several jobs at once; with JOB names, just those
(and with --needs, what they wait for first). Each job has GitLab's job log, printed (prefixed
with the job name when jobs run side by side) and saved to .dockhand/logs/<job>.log. Artifacts
and caches pass between jobs through .dockhand/artifacts/ and .dockhand/cache/. A summary closes
the run.

Flags:
  --cwd DIR              the repository (default: the current directory)
  --file F               the pipeline file, relative to the repository (default: .gitlab-ci.yml)
  --config F             config.toml to take runners from (default: discovered; without one an
                         embedded docker runner is used, with images used as present locally)
  --executor NAME        docker (default) or shell, instead of the runner's executor; without
                         a config.toml and with no Docker engine answering, shell is used
  --concurrency N        jobs run at once (default: the number of CPU cores)
  --needs                with JOB names: run the jobs they need (or earlier stages) first
  --variable KEY=VALUE   a variable like a project variable (beats YAML); repeatable
  --variables-file F     a YAML file of project-like variables (KEY: value, or KEY: {value,
                         type: file, masked: true}); default .dockhand/variables.yml if present
  --dirty                include uncommitted changes of the work tree
  --registry HOST[:PORT] the container registry standing in for GitLab's: sets CI_REGISTRY and
                         CI_REGISTRY_IMAGE (HOST/<project path>, lower case), and lets the
                         runner pull job and service images from it with the login below
  --registry-user U      CI_REGISTRY_USER (with --registry-password-file)
  --registry-password-file F
                         file holding CI_REGISTRY_PASSWORD (masked in job logs)
  --list                 list the jobs that would run, and why others would not

Ctrl-C (or SIGTERM) cancels the running jobs: scripts stop, after_script runs, containers are
removed, no other job starts. A second Ctrl-C stops at once (still removing containers).

Exit codes: 0 every job passed or was allowed to fail, 1 a job failed, 2 usage or configuration
error, 130 canceled by Ctrl-C (SIGINT), 143 canceled by SIGTERM.
`;

const flags = {
  cwd: { type: 'string' },
  file: { type: 'string' },
  config: { type: 'string' },
  executor: { type: 'string' },
  variable: { type: 'string', multiple: true },
  'variables-file': { type: 'string' },
  concurrency: { type: 'string' },
  needs: { type: 'boolean' },
  dirty: { type: 'boolean' },
  list: { type: 'boolean' },
  registry: { type: 'string' },
  'registry-user': { type: 'string' },
  'registry-password-file': { type: 'string' },
} as const;

/**
 * The pipeline, config and runner code, imported while the git snapshot runs: both take tens of
 * milliseconds, and a one-line job should not wait for them one after the other.
 */
const loadExecModules = () => import('../exec-modules.js');

async function execute(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('exec', args, flags, true);
  const cwd = resolve(io.cwd, values.cwd ?? '.');
  const file = values.file ?? '.gitlab-ci.yml';
  // Started now, awaited where it was needed before: its errors (not a repository, no commits)
  // still come after those of the flags and files below. The no-op catch keeps an early usage
  // error from leaving this rejection unhandled.
  const gitRead: Promise<GitSnapshot> = readGitSnapshot(cwd);
  gitRead.catch(() => undefined);
  const m = await loadExecModules();
  const variables = m.mergeVariables(
    await readVariablesFile(cwd, values['variables-file']),
    (values.variable ?? []).map(m.parseVariableFlag),
  );
  const concurrency = parseConcurrency(values.concurrency);
  const registry = m.readRegistryFlags(
    {
      registry: values.registry,
      user: values['registry-user'],
      passwordFile: values['registry-password-file'],
    },
    (path) => readFileSync(resolve(io.cwd, path), 'utf8'),
  );
  if (values.list === true) {
    const [git, { listJobs }] = await Promise.all([gitRead, import('./exec-list.js')]);
    return listJobs(io, {
      cwd: git.root,
      file,
      ref: m.refOf(git),
      predefined: m.predefinedRecord(
        m.localRunContext(git, file, { id: 0, name: '', stage: '' }, registry),
      ),
      overrides: Object.fromEntries(variables.map((v) => [v.key, v.value])),
    });
  }
  // A fresh token per run: CI_JOB_TOKEN is masked like a real one, and is worth nothing.
  const token = `glcbt-local${randomBytes(12).toString('hex')}`;
  const loaded = await m.loadExecPlan(
    { cwd, file, variables, registry, git: await gitRead },
    token,
  );
  const logger = stderrLogger(io);
  if (!loaded.plan.created) {
    logger.warn(`no pipeline for this commit: ${loaded.plan.reason}`);
    return 0;
  }
  const runners = await m.loadExecRunners(values.config, io, logger);
  const picked = m.pickJobs(loaded.jobs, positionals);
  const chosen =
    values.needs === true && positionals.length > 0
      ? m.withPredecessors(loaded.jobs, picked)
      : picked;
  const assignments = m.assign(chosen, runners, values.executor);
  if (loaded.git.dirty && values.dirty !== true) {
    logger.warn('the work tree has uncommitted changes; jobs see the last commit (add --dirty)');
  }
  return m.runExecPipeline(assignments, {
    io,
    root: loaded.git.root,
    named: positionals,
    dirty: values.dirty === true,
    concurrency,
    projectVariables: variables,
    ...(values.executor === undefined ? {} : { executor: values.executor }),
  });
}

/** `--concurrency N`: a whole number from 1; default the machine's cores. */
function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UsageError(`--concurrency takes a whole number from 1, not "${text}"`, {
      hint: 'e.g. --concurrency 4',
    });
  }
  return Number(text);
}

/**
 * The variables file named, else `.dockhand/variables.yml` when it exists. Its YAML parser is
 * loaded only when there is a file.
 */
async function readVariablesFile(cwd: string, named: string | undefined): Promise<JobVariable[]> {
  const path = resolve(cwd, named ?? join('.dockhand', 'variables.yml'));
  if (named === undefined && !existsSync(path)) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the variables file ${path}: ${(error as Error).message}`);
  }
  const { parseVariablesFile } = await import('../variables-file.js');
  return parseVariablesFile(path, text);
}

export const execCommand: Command = {
  name: 'exec',
  summary: 'run .gitlab-ci.yml jobs locally, as a GitLab runner would',
  help,
  run: execute,
};
