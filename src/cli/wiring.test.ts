import { describe, expect, it } from 'vitest';
import type { DockerSettings, RunnerSection } from '../config/types.js';
import {
  dockerSettingsFrom,
  EMBEDDED_RUNNER,
  EXEC_STOP_GRACE_SECONDS,
  createProvider,
  defaultImageOf,
  jobRunnerFor,
} from './wiring.js';

const docker: DockerSettings = {
  host: undefined,
  tlsVerify: false,
  tlsCertPath: undefined,
  image: 'alpine:3.19',
  privileged: false,
  servicesPrivileged: true,
  allowedImages: ['alpine:*'],
  allowedServices: [],
  allowedPrivilegedImages: [],
  allowedPrivilegedServices: [],
  allowedPullPolicies: ['if-not-present'],
  pullPolicy: ['if-not-present'],
  allowedUsers: [],
  user: 'nobody',
  disableEntrypointOverwrite: true,
  disableEntrypointOverwriteSource: 'secure-default',
  disableCache: false,
  cacheDir: undefined,
  volumes: [
    {
      raw: '/cache',
      kind: 'cache',
      source: undefined,
      target: '/cache',
      readOnly: false,
      mode: undefined,
    },
  ],
  shmSize: 0,
  networkMode: undefined,
  extraHosts: [],
  memory: '512m',
  memoryBytes: 536_870_912,
  cpus: '1.5',
  capAdd: [],
  capDrop: ['NET_RAW'],
  securityOpt: [],
  devices: [],
  dns: [],
  waitForServicesTimeout: 30,
  helperImage: undefined,
};

const section = {
  name: 'ci',
  token: 'glrt-t1_SECRETSECRETSECRET',
  executor: 'docker',
  buildsDir: undefined,
  environment: ['A=1'],
  outputLimit: 8192,
  tagList: ['docker'],
  runUntagged: false,
  docker,
} as unknown as RunnerSection;

describe('wiring', () => {
  it('maps [runners.docker] onto the docker executor settings', () => {
    const settings = dockerSettingsFrom(docker);
    expect(settings).toMatchObject({
      image: 'alpine:3.19',
      services_privileged: true,
      allowedImages: ['alpine:*'],
      pull_policy: ['if-not-present'],
      user: 'nobody',
      disableEntrypointOverwrite: true,
      volumes: ['/cache'],
      memory: 536_870_912,
      cpus: 1.5,
      cap_drop: ['NET_RAW'],
      stopGraceSeconds: EXEC_STOP_GRACE_SECONDS,
    });
  });

  it('uses images as present locally without a config', () => {
    const settings = dockerSettingsFrom(undefined);
    expect(settings.pull_policy).toEqual(['if-not-present']);
    expect(settings.image).toBe('');
    expect(defaultImageOf(EMBEDDED_RUNNER)).toBeUndefined();
  });

  it('describes the runner by its short token, never the token', () => {
    const runner = jobRunnerFor({ ...EMBEDDED_RUNNER, name: 'ci', section });
    expect(runner).toMatchObject({
      name: 'ci',
      shortToken: 'SECRETSEC',
      environment: ['A=1'],
      outputLimitKiB: 8192,
    });
    expect(JSON.stringify(runner)).not.toContain('SECRETSECRETSECRET');
    expect(jobRunnerFor(EMBEDDED_RUNNER).shortToken).toBe('local');
  });

  it('builds a docker provider and refuses executors exec cannot run', async () => {
    expect((await createProvider(EMBEDDED_RUNNER, {})).name).toBe('docker');
    expect((await createProvider(EMBEDDED_RUNNER, { PATH: '/usr/bin:/bin' }, 'shell')).name).toBe(
      'shell',
    );
    await expect(createProvider(EMBEDDED_RUNNER, {}, 'kubernetes')).rejects.toThrow(
      /unknown executor/,
    );
  });
});
