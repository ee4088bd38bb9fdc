import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { configCandidates, discoverConfig, type DiscoveryContext } from './config-discovery.js';

function context(
  files: readonly string[],
  overrides: Partial<DiscoveryContext> = {},
): DiscoveryContext {
  return {
    cwd: '/work/project',
    env: {},
    home: '/home/ci',
    isRoot: false,
    isFile: (path) => Promise.resolve(files.includes(path)),
    ...overrides,
  };
}

describe('config discovery', () => {
  it('lists dockhand places first, then ./config.toml, then GitLab Runner’s place', () => {
    expect(configCandidates({ cwd: '/w', home: '/home/ci', isRoot: false })).toEqual([
      '/home/ci/.dockhand/config.toml',
      '/etc/dockhand/config.toml',
      '/w/config.toml',
      '/home/ci/.gitlab-runner/config.toml',
    ]);
    expect(configCandidates({ cwd: '/w', home: '/root', isRoot: true })).toEqual([
      '/etc/dockhand/config.toml',
      '/w/config.toml',
      '/etc/gitlab-runner/config.toml',
    ]);
  });

  it('takes the first existing candidate', async () => {
    const found = await discoverConfig(
      undefined,
      context(['/work/project/config.toml', '/home/ci/.gitlab-runner/config.toml']),
    );
    expect(found).toEqual({
      path: '/work/project/config.toml',
      display: '/work/project/config.toml',
      via: 'discovered',
    });
  });

  it('--config wins over CONFIG_FILE, which wins over discovery', async () => {
    const ctx = context(['/work/project/config.toml'], { env: { CONFIG_FILE: 'env.toml' } });
    expect(await discoverConfig('x.toml', ctx)).toEqual({
      path: '/work/project/x.toml',
      display: 'x.toml',
      via: '--config',
    });
    expect(await discoverConfig(undefined, ctx)).toMatchObject({
      path: '/work/project/env.toml',
      via: 'CONFIG_FILE',
    });
  });

  it('says where it looked and how to write one when nothing exists', async () => {
    const error = await discoverConfig(undefined, context([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'no config.toml found; looked in: /home/ci/.dockhand/config.toml, /etc/dockhand/config.toml, /work/project/config.toml, /home/ci/.gitlab-runner/config.toml',
    );
    expect((error as ConfigError).hint).toContain(
      'pass --config FILE, or write ./config.toml such as:\n[[runners]]',
    );
  });
});
