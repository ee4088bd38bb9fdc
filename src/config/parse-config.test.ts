// Tests may read fixture files; the module under test stays pure.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { formatProblem } from './problems.js';
import { globalSection } from './schema/global.js';
import type { SectionDecl } from './schema/types.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/configs/${name}`, import.meta.url), 'utf8');

const load = (name: string) => parseConfig(fixture(name), name);

describe('seed setups load verbatim', () => {
  it('setup 1: docker runner with the host socket, secure entrypoint default', () => {
    const { config, errors, warnings } = load('setup-1-docker-socket.toml');
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    const runner = config.runners[0]!;
    expect(runner).toMatchObject({
      name: 'docker-builder',
      executor: 'docker',
      url: 'https://gitlab.example.com/',
      tagList: [],
      runUntagged: true,
      limit: 0,
      requestConcurrency: 1,
      outputLimit: 4096,
    });
    expect(runner.docker).toMatchObject({
      image: 'ubuntu',
      tlsVerify: false,
      privileged: false,
      shmSize: 0,
      allowedImages: ['gitlab.example.com:5049/frank/docker-builder:*'],
      disableEntrypointOverwrite: true,
      disableEntrypointOverwriteSource: 'secure-default',
      pullPolicy: ['always'],
      allowedPullPolicies: ['always'],
      waitForServicesTimeout: 30,
    });
    expect(runner.docker?.volumes).toEqual([
      {
        raw: '/cache',
        kind: 'cache',
        source: undefined,
        target: '/cache',
        readOnly: false,
        mode: undefined,
      },
      {
        raw: '/var/run/docker.sock:/var/run/docker.sock',
        kind: 'bind',
        source: '/var/run/docker.sock',
        target: '/var/run/docker.sock',
        readOnly: false,
        mode: undefined,
      },
    ]);
    expect(runner.cache).toEqual({ type: undefined, path: undefined, shared: false });
    expect(config).toMatchObject({
      concurrent: 1,
      checkInterval: 3,
      shutdownTimeout: 30,
      logLevel: 'info',
    });
  });

  it.each(['setup-2-machine-socket.toml', 'setup-3-machine-dind.toml'])(
    '%s: docker+machine with OffPeak keys reported as ignored',
    (name) => {
      const { config, errors, warnings } = load(name);
      expect(errors).toEqual([]);
      expect(warnings.map((w) => `${w.line}:${w.keyPath}:${w.code}`)).toEqual([
        '18:runners[0].machine.OffPeakTimezone:ignored-key',
        '19:runners[0].machine.OffPeakIdleCount:ignored-key',
        '20:runners[0].machine.OffPeakIdleTime:ignored-key',
      ]);
      expect(formatProblem(warnings[0]!)).toBe(
        `${name}:18:5: runners[0].machine.OffPeakTimezone: OffPeakTimezone is accepted and ignored, as GitLab Runner ≥ 14 does\n` +
          '  hint: Ignored since GitLab Runner 14.0; use [[runners.machine.autoscaling]] instead.',
      );
      const runner = config.runners[0]!;
      expect(runner.executor).toBe('docker+machine');
      expect(runner.machine).toEqual({
        idleCount: 0,
        idleCountMin: 0,
        idleScaleFactor: 0,
        idleTime: 0,
        maxGrowthRate: 0,
        maxBuilds: 1,
        machineDriver: 'virtualbox',
        machineName: '%s.myrunner.yourdomain',
        machineOptions: [],
        autoscaling: [],
      });
      expect(runner.docker?.disableEntrypointOverwriteSource).toBe('default');
      expect(runner.docker?.privileged).toBe(name.includes('dind'));
    },
  );
});

function declaredPaths(section: SectionDecl, prefix: string): string[] {
  return [
    ...section.keys.map((k) => `${prefix}${k.name}`),
    ...section.children.flatMap((c) => declaredPaths(c.section, `${prefix}${c.name}.`)),
  ];
}

function writtenPaths(value: unknown, prefix: string): string[] {
  if (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
  ) {
    return value.flatMap((item) => writtenPaths(item, prefix));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return [];
  return Object.entries(value).flatMap(([k, v]) => [
    `${prefix}${k}`,
    ...writtenPaths(v, `${prefix}${k}.`),
  ]);
}

describe('all-keys.toml', () => {
  const result = load('all-keys.toml');

  it('loads with no errors and no unknown keys', () => {
    expect(result.errors).toEqual([]);
    expect(
      result.warnings.filter((w) => w.code !== 'not-honoured' && w.code !== 'ignored-key'),
    ).toEqual([]);
  });

  it('holds every documented key', async () => {
    const { parseTOML, getStaticTOMLValue } = await import('toml-eslint-parser');
    const written = new Set(
      writtenPaths(getStaticTOMLValue(parseTOML(fixture('all-keys.toml'))), ''),
    );
    const missing = declaredPaths(globalSection, '').filter((p) => !written.has(p));
    expect(missing).toEqual([]);
  });

  it('warns once for each key that is recognised but not honoured', () => {
    const notHonoured = result.warnings.filter((w) => w.code === 'not-honoured');
    expect(notHonoured.length).toBeGreaterThan(100);
    expect(notHonoured.find((w) => w.keyPath === 'runners[0].docker.hostname')).toMatchObject({
      message: 'recognised but not honoured by dockhand yet',
    });
    expect(notHonoured.some((w) => w.keyPath === 'runners[0].docker.image')).toBe(false);
  });

  it('types the honoured keys', () => {
    const runner = result.config.runners[0]!;
    expect(result.config.concurrent).toBe(4);
    expect(runner.tagList).toEqual(['docker', 'linux']);
    expect(runner.runUntagged).toBe(false);
    expect(runner.featureFlags).toEqual({ FF_NETWORK_PER_BUILD: true, FF_USE_FASTZIP: false });
    expect(runner.docker).toMatchObject({
      disableEntrypointOverwrite: true,
      disableEntrypointOverwriteSource: 'explicit',
      memory: '2g',
      memoryBytes: 2 * 1024 ** 3,
      pullPolicy: ['always', 'if-not-present'],
      dns: ['1.1.1.1', '2606:4700:4700::1111'],
      servicesPrivileged: false,
    });
    expect(runner.docker?.volumes.map((v) => [v.kind, v.target, v.readOnly])).toEqual([
      ['cache', '/cache', false],
      ['cache', '/certs/client', false],
      ['bind', '/data', true],
      ['bind', '/work', false],
    ]);
    expect(runner.machine).toMatchObject({
      idleCount: 2,
      idleScaleFactor: 1.5,
      maxBuilds: 10,
      machineDriver: 'qemu',
      machineName: 'auto-scale-%s',
      machineOptions: ['qemu-memory=4096', 'qemu-cpu-count=2'],
    });
    expect(runner.machine?.autoscaling).toEqual([
      {
        periods: ['* * 9-17 * * mon-fri *'],
        timezone: 'Europe/Berlin',
        idleCount: 5,
        idleCountMin: 2,
        idleScaleFactor: 1,
        idleTime: 3600,
      },
      {
        periods: ['0 18 * * sat,sun', '*/30 * * * 1-5 2025'],
        timezone: 'UTC',
        idleCount: 0,
        idleCountMin: 0,
        idleScaleFactor: 0,
        idleTime: 600,
      },
    ]);
    expect(runner.cache).toEqual({ type: 's3', path: 'runner-cache', shared: true });
  });
});

describe('defaults and dockhand keys', () => {
  it('tag_list as a comma-separated string; run_untagged defaults to false with tags', () => {
    const { config, errors } = parseConfig(
      '[[runners]]\nexecutor = "shell"\ntag_list = "docker, linux"\n',
      'c.toml',
    );
    expect(errors).toEqual([]);
    expect(config.runners[0]).toMatchObject({
      tagList: ['docker', 'linux'],
      runUntagged: false,
      docker: undefined,
    });
  });

  it('GitLab defaults for non-positive intervals and services_privileged inheritance', () => {
    const { config } = parseConfig(
      'check_interval = 0\nshutdown_timeout = -1\n[[runners]]\nexecutor = "docker"\n[runners.docker]\nimage = "a"\nprivileged = true\nwait_for_services_timeout = 0\n',
      'c.toml',
    );
    expect(config.checkInterval).toBe(3);
    expect(config.shutdownTimeout).toBe(30);
    expect(config.runners[0]?.docker).toMatchObject({
      servicesPrivileged: true,
      waitForServicesTimeout: 30,
    });
  });

  it('warns about explicit entrypoint overrides with restricted images', () => {
    const { warnings } = parseConfig(
      '[[runners]]\nexecutor = "docker"\n[runners.docker]\nimage = "a"\nallowed_images = ["a"]\ndisable_entrypoint_overwrite = false\n',
      'c.toml',
    );
    expect(warnings.map((w) => w.code)).toEqual(['entrypoint-overwrite-allowed']);
  });

  it('skips runners whose executor dockhand does not run, with a warning', () => {
    const { config, warnings, errors } = parseConfig(
      '[[runners]]\nname = "k"\nexecutor = "kubernetes"\n[[runners]]\nname = "s"\nexecutor = "shell"\nconcurrent = 1\n',
      'c.toml',
    );
    expect(errors).toEqual([]);
    expect(config.runners.map((r) => [r.index, r.name])).toEqual([[1, 's']]);
    expect(warnings.map((w) => w.code)).toContain('unsupported-executor');
  });
});

describe('runner health keys', () => {
  it('reads strict_check_interval, unhealthy_* and the final-update retry limit, with GitLab defaults', () => {
    const { config, errors, warnings } = parseConfig(
      `concurrent = 2

[[runners]]
name = "tuned"
executor = "shell"
strict_check_interval = true
unhealthy_requests_limit = 5
unhealthy_interval = "10m"
job_status_final_update_retry_limit = 4

[[runners]]
name = "plain"
executor = "shell"
`,
      'config.toml',
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.runners[0]).toMatchObject({
      strictCheckInterval: true,
      unhealthyRequestsLimit: 5,
      unhealthyIntervalMs: 600_000,
      finalUpdateRetryLimit: 4,
    });
    expect(config.runners[1]).toMatchObject({
      strictCheckInterval: false,
      unhealthyRequestsLimit: 3,
      unhealthyIntervalMs: 3_600_000,
      finalUpdateRetryLimit: 10,
    });
  });
});
