import { describe, expect, it } from 'vitest';
import { sampleJob, yamlVariable } from './sample-job.js';
import { effectiveVariables, expandValue, maskedValues } from './variables.js';

const context = {
  buildsDir: '/builds',
  version: '0.1.0',
  revision: 'dockhand',
  shortToken: 'abcdefghi',
  arch: 'linux/amd64',
  jobTimeoutSeconds: 3600,
  disposable: true,
};

function value(list: readonly { key: string; value: string }[], key: string) {
  return list.findLast((v) => v.key === key)?.value;
}

describe('effectiveVariables', () => {
  it('adds the runner variables around the job variables', () => {
    const list = effectiveVariables(sampleJob(), { ...context, environment: ['ENV_A=1'] });
    expect(value(list, 'CI_PROJECT_DIR')).toBe('/builds/group/project');
    expect(value(list, 'RUNNER_TEMP_PROJECT_DIR')).toBe('/builds/group/project.tmp');
    expect(value(list, 'CI_SERVER')).toBe('yes');
    expect(value(list, 'CI_DISPOSABLE_ENVIRONMENT')).toBe('true');
    expect(value(list, 'CI_JOB_IMAGE')).toBe('busybox:latest');
    expect(value(list, 'ENV_A')).toBe('1');
    expect(new Set(list.map((v) => v.key)).size).toBe(list.length);
  });

  it('lets job variables override config environment but not the runner post-job set', () => {
    const job = sampleJob({
      variables: [yamlVariable('ENV_A', 'job'), yamlVariable('CI_RUNNER_VERSION', '99')],
    });
    const list = effectiveVariables(job, { ...context, environment: ['ENV_A=config'] });
    expect(value(list, 'ENV_A')).toBe('job');
    expect(value(list, 'CI_RUNNER_VERSION')).toBe('0.1.0');
  });

  it("lets the runner's feature flags win over a job variable of the same name", () => {
    const job = sampleJob({ variables: [yamlVariable('FF_USE_NATIVE_CONTAINER_STOP', 'true')] });
    const flags = { FF_USE_NATIVE_CONTAINER_STOP: false, FF_USE_INIT_WITH_DOCKER_EXECUTOR: true };
    const list = effectiveVariables(job, { ...context, featureFlags: flags });
    expect(value(list, 'FF_USE_NATIVE_CONTAINER_STOP')).toBe('false');
    expect(value(list, 'FF_USE_INIT_WITH_DOCKER_EXECUTOR')).toBe('true');
    expect(new Set(list.map((v) => v.key)).size).toBe(list.length);
  });

  it('expands references one level deep, skipping raw values; a file variable expands to its path', () => {
    const job = sampleJob({
      variables: [
        yamlVariable('BASE', 'x'),
        yamlVariable('DERIVED', '${BASE}/$BASE-$MISSING-$$BASE'),
        yamlVariable('RAW', '$BASE', { raw: true }),
        yamlVariable('CERT', 'secret-contents', { file: true }),
        yamlVariable('CERT_PATH', '$CERT'),
      ],
    });
    const list = effectiveVariables(job, context);
    expect(value(list, 'DERIVED')).toBe('x/x--$BASE');
    expect(value(list, 'RAW')).toBe('$BASE');
    expect(value(list, 'CERT_PATH')).toBe('/builds/group/project.tmp/CERT');
    expect(value(list, 'CERT')).toBe('secret-contents');
  });

  it('keeps a `$` that starts no name', () => {
    expect(expandValue('cost: $5 and $', () => undefined)).toBe('cost: $5 and $');
  });

  it('lists the values to mask', () => {
    expect(
      maskedValues([
        yamlVariable('A', 'secret-value', { masked: true }),
        yamlVariable('B', 'public'),
        yamlVariable('C', '', { masked: true }),
      ]),
    ).toEqual(['secret-value']);
  });
});
