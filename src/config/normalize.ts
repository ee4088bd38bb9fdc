import { normalizeDocker } from './normalize-docker.js';
import { normalizeMachine } from './normalize-machine.js';
import type { Reporter } from './reporter.js';
import { CACHE_TYPES, cacheSection } from './schema/cache.js';
import { globalSection, LOG_LEVELS } from './schema/global.js';
import { DOCKHAND_EXECUTORS, runnerSection } from './schema/runner.js';
import { childSections, SectionReader } from './section-reader.js';
import type { TomlSource } from './toml-source.js';
import type {
  CacheSettings,
  CacheType,
  ExecutorName,
  LogLevel,
  RunnerConfig,
  RunnerSection,
} from './types.js';
import type { CheckedSection } from './walk.js';

const RUNS = `dockhand runs: ${DOCKHAND_EXECUTORS.join(', ')}`;

function isExecutor(value: string): value is ExecutorName {
  return (DOCKHAND_EXECUTORS as readonly string[]).includes(value);
}

/** The executor, or undefined (reported) when dockhand cannot run this runner. */
function executorOf(runner: SectionReader, report: Reporter): ExecutorName | undefined {
  const executor = runner.str('executor');
  if (executor !== undefined && isExecutor(executor)) return executor;
  if (executor !== undefined) {
    // A GitLab executor dockhand does not run: keep the rest of the file usable.
    report.warning({
      code: 'unsupported-executor',
      path: runner.keyPath('executor'),
      message: `executor "${executor}" is not run by dockhand; this runner is skipped`,
      hint: RUNS,
    });
  } else if (!runner.written('executor')) {
    report.error({
      code: 'missing-key',
      path: runner.path,
      message: 'missing executor',
      hint: `add executor = "docker"; ${RUNS}`,
    });
  }
  return undefined;
}

function tagList(runner: SectionReader): string[] {
  // "a,b" (as `--tag-list a,b` is written) is accepted as well as ["a", "b"].
  return runner
    .list('tag_list')
    .flatMap((tag) => tag.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

function cacheOf(
  checked: CheckedSection | undefined,
  runner: SectionReader,
): CacheSettings | undefined {
  if (checked === undefined) return undefined;
  const cache = new SectionReader(cacheSection, checked, [...runner.path, 'cache']);
  const type = cache.str('Type');
  const known = (CACHE_TYPES as readonly string[]).includes(type ?? '');
  return {
    type: known ? (type as CacheType) : undefined,
    path: cache.str('Path'),
    shared: cache.bool('Shared'),
  };
}

/** GitLab Runner's defaults: 3 refused requests, a 60 min pause, 10 final-update tries. */
function healthSettings(runner: SectionReader) {
  const limit = runner.num('unhealthy_requests_limit');
  const interval = runner.num('unhealthy_interval');
  const retries = runner.num('job_status_final_update_retry_limit');
  return {
    strictCheckInterval: runner.bool('strict_check_interval'),
    unhealthyRequestsLimit: limit > 0 ? limit : 3,
    unhealthyIntervalMs: runner.has('unhealthy_interval') && interval > 0 ? interval : 3_600_000,
    finalUpdateRetryLimit: retries > 0 ? retries : 10,
  };
}

function normalizeRunner(
  checked: CheckedSection,
  index: number,
  source: TomlSource,
  report: Reporter,
): RunnerSection | undefined {
  const runner = new SectionReader(runnerSection, checked, checked.path);
  const executor = executorOf(runner, report);
  if (executor === undefined) return undefined;
  const dockerChecked = childSections(checked, 'docker')[0];
  const machineChecked = childSections(checked, 'machine')[0];
  const usesDocker = executor !== 'shell';
  const tags = tagList(runner);
  const requestConcurrency = runner.num('request_concurrency');
  const outputLimit = runner.num('output_limit');
  return {
    index,
    position: source.position(checked.path),
    name: runner.str('name') ?? '',
    url: runner.str('url'),
    token: runner.str('token'),
    executor,
    limit: Math.max(0, runner.num('limit')),
    requestConcurrency: Math.max(1, requestConcurrency),
    ...healthSettings(runner),
    outputLimit: outputLimit > 0 ? outputLimit : 4096,
    buildsDir: runner.str('builds_dir'),
    cacheDir: runner.str('cache_dir'),
    environment: runner.list('environment'),
    preBuildScript: runner.str('pre_build_script'),
    postBuildScript: runner.str('post_build_script'),
    tagList: tags,
    runUntagged: runner.has('run_untagged') ? runner.bool('run_untagged') : tags.length === 0,
    featureFlags: runner.table('feature_flags') as Record<string, boolean>,
    docker: usesDocker
      ? normalizeDocker(dockerChecked, [...checked.path, 'docker'], report)
      : undefined,
    machine:
      machineChecked === undefined
        ? undefined
        : normalizeMachine(machineChecked, machineChecked.path, report),
    cache: cacheOf(childSections(checked, 'cache')[0], runner),
  };
}

function logLevel(global: SectionReader): LogLevel {
  const level = global.str('log_level') ?? 'info';
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info';
}

/** Builds the typed configuration with GitLab Runner's defaults; reports value-level problems. */
export function normalizeConfig(
  root: CheckedSection,
  source: TomlSource,
  report: Reporter,
): RunnerConfig {
  const global = new SectionReader(globalSection, root, []);
  const runners = childSections(root, 'runners')
    .map((checked, i) => normalizeRunner(checked, i, source, report))
    .filter((runner): runner is RunnerSection => runner !== undefined);
  const checkInterval = global.num('check_interval');
  const shutdownTimeout = global.num('shutdown_timeout');
  return {
    concurrent: Math.max(1, global.num('concurrent')),
    checkInterval: checkInterval > 0 ? checkInterval : 3,
    logLevel: logLevel(global),
    shutdownTimeout: shutdownTimeout > 0 ? shutdownTimeout : 30,
    runners,
  };
}
