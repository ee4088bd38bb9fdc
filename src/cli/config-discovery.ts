import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** What discovery looks at; injected so it can be tested without touching the real machine. */
export interface DiscoveryContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Home directory, if any. */
  readonly home: string | undefined;
  readonly isRoot: boolean;
  readonly isFile: (path: string) => Promise<boolean>;
}

export interface FoundConfig {
  readonly path: string;
  /** How to name the file in messages: as the user wrote it, or the discovered path. */
  readonly display: string;
  /** How it was chosen: `--config`, `CONFIG_FILE`, or `discovered`. */
  readonly via: '--config' | 'CONFIG_FILE' | 'discovered';
}

export const CONFIG_EXAMPLE = [
  '[[runners]]',
  '  name = "local"',
  '  executor = "docker"',
  '  [runners.docker]',
  '    image = "alpine"',
].join('\n');

/**
 * Where dockhand looks, in order, when neither --config nor CONFIG_FILE is given: dockhand's own
 * places first (a file there is meant for dockhand), then ./config.toml, then GitLab Runner's
 * place for this user (/etc/gitlab-runner as root, ~/.gitlab-runner otherwise).
 */
export function configCandidates(context: Omit<DiscoveryContext, 'isFile' | 'env'>): string[] {
  const { cwd, home, isRoot } = context;
  const candidates: string[] = [];
  if (!isRoot && home !== undefined) candidates.push(join(home, '.dockhand', 'config.toml'));
  candidates.push('/etc/dockhand/config.toml');
  candidates.push(join(cwd, 'config.toml'));
  if (isRoot) candidates.push('/etc/gitlab-runner/config.toml');
  else if (home !== undefined) candidates.push(join(home, '.gitlab-runner', 'config.toml'));
  return candidates;
}

/** Resolves the config file to use; throws ConfigError (exit 2) with a hint when there is none. */
export async function discoverConfig(
  explicit: string | undefined,
  context: DiscoveryContext,
): Promise<FoundConfig> {
  const fromEnv = context.env['CONFIG_FILE'];
  if (explicit !== undefined) {
    return { path: resolve(context.cwd, explicit), display: explicit, via: '--config' };
  }
  if (fromEnv !== undefined && fromEnv !== '') {
    return { path: resolve(context.cwd, fromEnv), display: fromEnv, via: 'CONFIG_FILE' };
  }
  const candidates = configCandidates(context);
  for (const candidate of candidates) {
    if (await context.isFile(candidate)) {
      return { path: candidate, display: candidate, via: 'discovered' };
    }
  }
  throw new ConfigError(
    'config-not-found',
    `no config.toml found; looked in: ${candidates.join(', ')}`,
    {
      hint: `pass --config FILE, or write ./config.toml such as:\n${CONFIG_EXAMPLE}`,
    },
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The real machine: process uid, HOME (or the OS home directory) and the file system. */
export function processDiscoveryContext(cwd: string, env: NodeJS.ProcessEnv): DiscoveryContext {
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : safeHome();
  return { cwd, env, home, isRoot: process.getuid?.() === 0, isFile };
}

function safeHome(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/** Reads the chosen file; a missing or unreadable file is a ConfigError naming it. */
export async function readConfigFile(found: FoundConfig): Promise<string> {
  try {
    return await readFile(found.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : (code ?? 'it cannot be read');
    throw new ConfigError('config-unreadable', `cannot read ${found.path}: ${reason}`, {
      hint:
        found.via === 'discovered'
          ? 'check the file permissions, or pass another file with --config FILE'
          : `check the path given by ${found.via}`,
      cause: error,
    });
  }
}
