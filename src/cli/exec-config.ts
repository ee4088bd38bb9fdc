import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { discoverConfig, processDiscoveryContext, readConfigFile } from './config-discovery.js';
import type { CliIo } from './io.js';
import { EMBEDDED_RUNNER, type ExecRunner } from './wiring.js';

/**
 * The runners `dockhand exec` may use: those of config.toml (given, from CONFIG_FILE, or
 * discovered), or the embedded docker runner when no file is found. A config named explicitly
 * must exist; an invalid one stops the run (exit 2) and its warnings go to stderr.
 */
export async function loadExecRunners(
  explicit: string | undefined,
  io: CliIo,
  logger: Logger,
): Promise<ExecRunner[]> {
  let found;
  try {
    found = await discoverConfig(explicit, processDiscoveryContext(io.cwd, io.env));
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'config-not-found') return [EMBEDDED_RUNNER];
    throw error;
  }
  // The TOML parser and the config schema load only when there is a file to read: most local
  // runs have none, and loading them costs ≈ 15 ms of a one-line job.
  const [{ parseConfig }, { formatProblem }, text] = await Promise.all([
    import('../config/parse-config.js'),
    import('../config/problems.js'),
    readConfigFile(found),
  ]);
  const parsed = parseConfig(text, found.display);
  if (parsed.errors.length > 0) {
    throw new ConfigError(
      'exec.invalid-config',
      `${found.display} is invalid:\n${parsed.errors.map(formatProblem).join('\n')}`,
      { hint: `run 'dockhand config check --config ${found.display}' for details` },
    );
  }
  for (const warning of parsed.warnings) logger.warn(formatProblem(warning));
  if (parsed.config.runners.length === 0) {
    throw new ConfigError('exec.no-runners', `${found.display} has no [[runners]]`, {
      hint: 'add a [[runners]] section with executor = "docker", or run without a config',
    });
  }
  return parsed.config.runners.map((section) => ({
    name: section.name,
    tagList: section.tagList,
    runUntagged: section.runUntagged,
    executor: section.executor,
    section,
  }));
}
