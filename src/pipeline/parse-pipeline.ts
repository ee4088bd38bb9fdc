import type { PipelineProblem } from './errors.js';
import { resolveExtends, resolveReferences } from './extends.js';
import { expandIncludes, type IncludeResolver } from './includes.js';
import { LEGACY_GLOBAL_KEYS, normaliseDefaults, type JobDefaults } from './keywords/defaults.js';
import { normaliseJob } from './keywords/job.js';
import {
  checkKeys,
  expectMap,
  expectString,
  opt,
  KeywordContext,
} from './keywords/keyword-context.js';
import { normaliseRules } from './keywords/rules.js';
import { normaliseVariables } from './keywords/variables.js';
import { linkJobs } from './link-jobs.js';
import { expandParallel } from './matrix.js';
import type { Job, Pipeline, Workflow } from './model.js';
import { RESERVED_KEYS } from './reserved-keys.js';
import { SourceIndex } from './source-index.js';
import { loadYaml } from './yaml/load-yaml.js';
import { describeType, getKey, isYamlMap, type YamlMap } from './yaml/yaml-value.js';

export interface ParseInput {
  /** The main file's path relative to the repository root, e.g. `.gitlab-ci.yml`. */
  readonly file: string;
  readonly text: string;
  /** How to read `include:local` files; without it any include is an error. */
  readonly includes?: IncludeResolver;
}

export interface ParseResult {
  /** Present when there are no errors. */
  readonly pipeline?: Pipeline;
  readonly errors: readonly PipelineProblem[];
  readonly warnings: readonly PipelineProblem[];
}

export const DEFAULT_STAGES = ['build', 'test', 'deploy'];
const MAX_JOB_NAME = 255;

/**
 * .gitlab-ci.yml text (+ included files) → a validated pipeline, as GitLab expands it: YAML,
 * includes, extends, !reference, defaults, keywords, parallel, then needs and stages.
 * Never throws on user input: every problem comes back in `errors` or `warnings`.
 */
export function parsePipeline(input: ParseInput): ParseResult {
  const errors: PipelineProblem[] = [];
  const warnings: PipelineProblem[] = [];
  try {
    const pipeline = parse(input, errors, warnings);
    return errors.length === 0 && pipeline !== undefined
      ? { pipeline, errors, warnings }
      : { errors, warnings };
  } catch (error) {
    // Belt and braces: a bug must not take the CLI down with a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    errors.push({
      file: input.file,
      line: 1,
      column: 1,
      keyPath: '',
      message: `internal error while reading the pipeline: ${message}`,
    });
    return { errors, warnings };
  }
}

function parse(
  input: ParseInput,
  errors: PipelineProblem[],
  warnings: PipelineProblem[],
): Pipeline | undefined {
  const loaded = loadYaml(input.file, input.text);
  errors.push(...loaded.errors);
  warnings.push(...loaded.warnings);
  if (loaded.errors.length > 0) return undefined;
  const at = (message: string): PipelineProblem => ({
    file: input.file,
    line: 1,
    column: 1,
    keyPath: '',
    message,
  });
  if (loaded.value === undefined || loaded.value === null) {
    errors.push(at('Please provide content of .gitlab-ci.yml'));
    return undefined;
  }
  if (!isYamlMap(loaded.value)) {
    errors.push(
      at(
        `Invalid configuration format: the file should be a hash of keys, not ${describeType(loaded.value)}`,
      ),
    );
    return undefined;
  }
  const included = expandIncludes(
    { file: input.file, value: loaded.value, positions: loaded.positions },
    input.includes,
    errors,
    warnings,
  );
  const index = new SourceIndex(included.tables, input.file);
  const config = resolveReferences(resolveExtends(included.config, index, errors), index, errors);
  const root = new KeywordContext(index, errors, warnings, []);

  const stages = readStages(config, root);
  const variables = normaliseVariables(getKey(config, 'variables'), root, ['variables'], true);
  const workflow = readWorkflow(config, root);
  const defaults = readDefaults(config, index, errors, warnings);

  const jobs = readJobs(config, stages, defaults, index, errors, warnings);
  if (jobs.length === 0 && errors.length === 0) {
    errors.push(at('jobs config should contain at least one visible job'));
  }
  reportDuplicateNames(jobs, index, errors);
  const linked = linkJobs(jobs, stages, index, errors);
  return { stages, variables, ...opt('workflow', workflow), jobs: linked, files: included.files };
}

function readStages(config: YamlMap, ctx: KeywordContext): string[] {
  const key = getKey(config, 'stages') !== undefined ? 'stages' : 'types';
  const raw = getKey(config, key);
  let stages = DEFAULT_STAGES;
  if (raw !== undefined && raw !== null) {
    if (Array.isArray(raw) && raw.every((item): item is string => typeof item === 'string'))
      stages = raw;
    else ctx.error([key], `${key} config should be an array of strings, not ${describeType(raw)}`);
  }
  // GitLab injects .pre and .post around the user's stages; listing them is allowed too.
  const middle = [...new Set(stages.filter((stage) => stage !== '.pre' && stage !== '.post'))];
  return ['.pre', ...middle, '.post'];
}

function readWorkflow(config: YamlMap, root: KeywordContext): Workflow | undefined {
  const raw = getKey(config, 'workflow');
  if (raw === undefined || raw === null) return undefined;
  const map = expectMap(raw, root, ['workflow']);
  if (map === undefined || !checkKeys(map, ['rules', 'name', 'auto_cancel'], root, ['workflow']))
    return undefined;
  const name = expectString(getKey(map, 'name'), root, ['workflow', 'name']);
  const rules = normaliseRules(getKey(map, 'rules'), root, ['workflow', 'rules'], true);
  return { ...opt('name', name), ...opt('rules', rules) };
}

function readDefaults(
  config: YamlMap,
  index: SourceIndex,
  errors: PipelineProblem[],
  warnings: PipelineProblem[],
): JobDefaults {
  const legacy: YamlMap = {};
  for (const key of LEGACY_GLOBAL_KEYS) {
    const value = getKey(config, key);
    if (value !== undefined) Object.defineProperty(legacy, key, { value, enumerable: true });
  }
  const globals = normaliseDefaults(legacy, new KeywordContext(index, errors, warnings, []), true);
  const raw = getKey(config, 'default');
  if (raw === undefined || raw === null) return globals;
  const ctx = new KeywordContext(index, errors, warnings, ['default']);
  if (!isYamlMap(raw)) {
    ctx.error([], `default config should be a hash, not ${describeType(raw)}`);
    return globals;
  }
  return { ...globals, ...normaliseDefaults(raw, ctx, false) };
}

function reportDuplicateNames(
  jobs: readonly Job[],
  index: SourceIndex,
  errors: PipelineProblem[],
): void {
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.name)) {
      errors.push(
        index.problem(
          [job.baseName, 'parallel'],
          `parallel creates the job name "${job.name}" twice`,
          { job: job.baseName },
        ),
      );
    }
    seen.add(job.name);
  }
}

function readJobs(
  config: YamlMap,
  stages: readonly string[],
  defaults: JobDefaults,
  index: SourceIndex,
  errors: PipelineProblem[],
  warnings: PipelineProblem[],
): Job[] {
  const jobs: Job[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (RESERVED_KEYS.includes(name) || name.startsWith('.')) continue;
    const ctx = new KeywordContext(index, errors, warnings, [name], name);
    if (name.length > MAX_JOB_NAME)
      ctx.error([], `job name is too long (at most ${MAX_JOB_NAME} characters)`);
    if (name.trim() === '') {
      ctx.error([], 'job name cannot be empty');
      continue;
    }
    if (!isYamlMap(value)) {
      ctx.error(
        [],
        `config should implement the script:, run:, or trigger: keyword (got ${describeType(value)})`,
      );
      continue;
    }
    const template = normaliseJob(name, value, defaults, index.at([name]), ctx);
    if (template === undefined) continue;
    if (!stages.includes(template.job.stage)) {
      const available = stages.join(', ');
      ctx.error(
        ['stage'],
        `chosen stage ${template.job.stage} does not exist; available stages are ${available}`,
      );
    }
    jobs.push(...expandParallel(template));
  }
  return jobs;
}
