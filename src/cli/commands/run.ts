/**
 * `dockhand run`: the runner daemon. Reads config.toml, asks each `[[runners]]` coordinator for
 * jobs and runs them (src/runner/daemon.ts). This file only wires: config → runners, clients and
 * executor providers, and process signals → the daemon's stop modes.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { createCoordinatorClient } from '../../api/coordinator-client.js';
import { parseConfig } from '../../config/parse-config.js';
import { formatProblem } from '../../config/problems.js';
import type { RunnerConfig } from '../../config/types.js';
import { CheckFailedError, ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { DOCKHAND_VERSION } from '../../core/version.js';
import type { ExecutorProvider, LocalRepository } from '../../executors/executor.js';
import type { JobSpec } from '../../protocol/job-spec.js';
import { Daemon, type DaemonRunner } from '../../runner/daemon.js';
import { systemRunnerClock } from '../../runner/runner-clock.js';
import type { Command } from '../command.js';
import { discoverConfig, processDiscoveryContext, readConfigFile } from '../config-discovery.js';
import { stderrLogger, type CliIo } from '../io.js';
import { atLogLevel } from '../log-level.js';
import { parseFlags } from '../parse-flags.js';
import { jobRunnerFor, wireProvider, type ExecRunner, type WiredProvider } from '../wiring.js';

const help = `Usage: dockhand run [--config F]

Runs the runner daemon: every [[runners]] entry of config.toml with a url and a token asks its
coordinator for jobs once per check_interval and runs them, at most \`concurrent\` jobs at once
(and \`limit\` per runner, \`request_concurrency\` requests in flight per runner).

Signals, as GitLab Runner:
  SIGQUIT          graceful: stop asking for jobs, exit once the running jobs have finished
  SIGTERM, SIGINT  forceful: stop asking for jobs, abort the running ones (reported failed),
                   exit within shutdown_timeout
A forceful signal after SIGQUIT escalates.

Flags:
  --config F   config.toml (default: CONFIG_FILE, else discovered as for dockhand exec)
`;

async function loadConfig(explicit: string | undefined, io: CliIo, logger: Logger) {
  const found = await discoverConfig(explicit, processDiscoveryContext(io.cwd, io.env));
  const parsed = parseConfig(await readConfigFile(found), found.display);
  if (parsed.errors.length > 0) {
    throw new ConfigError(
      'run.invalid-config',
      `${found.display} is invalid:\n${parsed.errors.map(formatProblem).join('\n')}`,
      { hint: `run 'dockhand config check --config ${found.display}' for details` },
    );
  }
  for (const warning of parsed.warnings) logger.warn(formatProblem(warning));
  return { config: parsed.config, display: found.display };
}

/**
 * A `file://` project of a coordinator on this machine (dockhand server serves local git
 * repositories): its sources are fetched from the path directly, as `dockhand exec` does.
 */
export function localSourcesOf(job: JobSpec): LocalRepository | undefined {
  const url = job.git_info.repo_url;
  if (!url.startsWith('file://')) return undefined;
  const path = decodeURIComponent(url.slice('file://'.length));
  if (!isAbsolute(path)) return undefined;
  try {
    return statSync(path).isDirectory() ? { path, dirty: false } : undefined;
  } catch {
    return undefined;
  }
}

interface Wired {
  readonly runners: DaemonRunner[];
  readonly providers: Map<DaemonRunner, WiredProvider>;
}

async function wire(config: RunnerConfig, display: string, io: CliIo): Promise<Wired> {
  const runners: DaemonRunner[] = [];
  const providers = new Map<DaemonRunner, WiredProvider>();
  for (const section of config.runners) {
    if (section.url === undefined || section.token === undefined || section.token === '') continue;
    const exec: ExecRunner = {
      name: section.name,
      tagList: section.tagList,
      runUntagged: section.runUntagged,
      executor: section.executor,
      section,
    };
    const runner: DaemonRunner = {
      name: section.name === '' ? `runners[${section.index}]` : section.name,
      token: section.token,
      executor: section.executor,
      limit: section.limit,
      requestConcurrency: section.requestConcurrency,
      strictCheckInterval: section.strictCheckInterval,
      unhealthyRequestsLimit: section.unhealthyRequestsLimit,
      unhealthyIntervalMs: section.unhealthyIntervalMs,
      finalUpdateRetryLimit: section.finalUpdateRetryLimit,
      jobRunner: jobRunnerFor(exec),
      client: createCoordinatorClient({
        url: section.url,
        userAgent: `dockhand ${DOCKHAND_VERSION} (${process.platform}/${process.arch})`,
      }),
    };
    runners.push(runner);
    providers.set(runner, await wireProvider(exec, io.env));
  }
  if (runners.length === 0) {
    throw new ConfigError(
      'run.no-runners',
      `${display} has no [[runners]] with a url and a token`,
      {
        hint: 'register one first: dockhand register --url URL --registration-token TOKEN',
      },
    );
  }
  return { runners, providers };
}

/** SIGQUIT: graceful; SIGTERM/SIGINT: forceful. Returns the function that removes the handlers. */
function handleSignals(daemon: Daemon, logger: Logger): () => void {
  const graceful = () => {
    logger.info('SIGQUIT: not asking for new jobs; waiting for the running ones to finish');
    daemon.stop('graceful');
  };
  const forceful = (name: string) => () => {
    logger.info(`${name}: aborting the running jobs and stopping`);
    daemon.stop('forceful');
  };
  const onTerm = forceful('SIGTERM');
  const onInt = forceful('SIGINT');
  process.on('SIGQUIT', graceful);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return () => {
    process.off('SIGQUIT', graceful);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags('run', args, { config: { type: 'string' } });
  const { config, display } = await loadConfig(values.config, io, stderrLogger(io));
  const logger = atLogLevel(stderrLogger(io), config.logLevel);
  const { runners, providers } = await wire(config, display, io);
  // An engine that does not answer is found before asking for work, not by failing a job.
  for (const wired of new Set(providers.values())) await wired.ready();
  const providerFor = (runner: DaemonRunner): ExecutorProvider => {
    const wired = providers.get(runner);
    if (wired === undefined) throw new Error(`no executor wired for runner ${runner.name}`);
    return wired.provider;
  };
  const daemon = new Daemon({
    runners,
    providerFor,
    concurrent: config.concurrent,
    checkIntervalMs: config.checkInterval * 1000,
    shutdownTimeoutMs: config.shutdownTimeout * 1000,
    clock: systemRunnerClock,
    logger,
    sourcesFor: localSourcesOf,
    // Artifacts are zipped where the executors expose the project files (src/executors/artifacts).
    artifacts: (await import('../../executors/artifacts/project-archiver.js')).projectArchiver,
  });
  const names = runners.map((r) => r.name).join(', ');
  logger.info(
    `dockhand ${DOCKHAND_VERSION}: running ${runners.length} runner(s) (${names}); concurrent=${config.concurrent}, check_interval=${config.checkInterval}s`,
  );
  const removeHandlers = handleSignals(daemon, logger);
  try {
    const exit = await daemon.run();
    if (exit.kind === 'timed-out') {
      throw new CheckFailedError(
        'run.shutdown-timeout',
        `shutdown_timeout (${config.shutdownTimeout}s) reached with ${exit.runningJobs} job(s) still finishing`,
        { hint: 'the coordinator fails those jobs once it stops hearing from this runner' },
      );
    }
    logger.info(`stopped (${exit.kind})`);
    return 0;
  } finally {
    removeHandlers();
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the runner daemon: ask coordinators for jobs and run them',
  help,
  run,
};
