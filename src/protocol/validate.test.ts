import { describe, expect, it } from 'vitest';
import type { JobSpec } from './job-spec.js';
import {
  parseTagList,
  validateJobRequest,
  validateJobSpec,
  validateRegisterRunnerRequest,
  validateRunnerTokenResponse,
  validateUpdateJobRequest,
} from './validate.js';
import { formatValidationError } from './validator.js';

const sampleJob: JobSpec = {
  id: 7,
  token: 'glcbt-secret',
  allow_git_fetch: true,
  job_info: {
    id: 7,
    name: 'test',
    stage: 'test',
    pipeline_id: 2,
    project_id: 1,
    project_name: 'demo',
  },
  git_info: {
    repo_url: 'file:///repo',
    ref: 'main',
    sha: 'a'.repeat(40),
    before_sha: '0'.repeat(40),
    ref_type: 'branch',
    refspecs: [],
    depth: 0,
  },
  runner_info: { timeout: 3600 },
  variables: [{ key: 'A', value: '1', public: true, masked: false, file: false, raw: false }],
  steps: [
    {
      name: 'script',
      script: ['echo hi'],
      timeout: 3600,
      when: 'on_success',
      allow_failure: false,
    },
  ],
  image: { name: 'alpine', entrypoint: [''] },
  services: [{ name: 'postgres:16', alias: 'db', variables: [{ key: 'X', value: 'y' }] }],
  artifacts: [],
  cache: [],
  credentials: [],
  dependencies: [
    { id: 3, name: 'build', token: 't', artifacts_file: { filename: 'a.zip', size: 3 } },
  ],
  features: { trace_sections: true },
};

describe('validateJobSpec', () => {
  it('accepts a payload and round-trips it through JSON', () => {
    const result = validateJobSpec(JSON.parse(JSON.stringify(sampleJob)));
    expect(result).toEqual({ ok: true, value: sampleJob });
  });

  it('drops unknown keys and treats null as absent (GitLab sends entrypoint: null)', () => {
    const wire = {
      ...sampleJob,
      hooks: [{ name: 'pre_get_sources_script', script: [] }],
      services: [{ name: 'redis', entrypoint: null, command: null }],
    };
    const result = validateJobSpec(wire);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).not.toHaveProperty('hooks');
    expect(result.value.services[0]).toEqual({ name: 'redis' });
  });

  it('names the path of the first problem, without the value', () => {
    const wire = JSON.parse(JSON.stringify(sampleJob)) as Record<string, unknown>;
    (wire['steps'] as Record<string, unknown>[])[0]!['script'] = ['ok', 42];
    const result = validateJobSpec(wire);
    expect(result).toEqual({
      ok: false,
      error: { path: 'steps[0].script[1]', message: 'expected a string, got a number' },
    });
  });

  it('reports a missing key and a bad enum', () => {
    const { token: _token, ...noToken } = sampleJob;
    expect(validateJobSpec(noToken)).toMatchObject({ ok: false, error: { path: 'token' } });
    const badRef = { ...sampleJob, git_info: { ...sampleJob.git_info, ref_type: 'merge' } };
    const result = validateJobSpec(badRef);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatValidationError(result.error)).toBe(
        'git_info.ref_type: expected one of branch, tag',
      );
    }
  });

  it.each([null, [], 'x', 3])('rejects a non-object document %j', (value) => {
    expect(validateJobSpec(value)).toMatchObject({ ok: false, error: { path: '' } });
  });
});

describe('request validators', () => {
  it('register: tag_list is a string, booleans are booleans', () => {
    expect(
      validateRegisterRunnerRequest({ token: 'r', tag_list: 'a,b', run_untagged: false }),
    ).toEqual({ ok: true, value: { token: 'r', tag_list: 'a,b', run_untagged: false } });
    expect(validateRegisterRunnerRequest({ token: 'r', run_untagged: 'no' })).toMatchObject({
      ok: false,
      error: { path: 'run_untagged' },
    });
  });

  it('job request keeps last_update and info features', () => {
    const result = validateJobRequest({
      token: 'glrt-x',
      last_update: 'abc',
      info: { name: 'dockhand', features: { trace_checksum: true } },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        token: 'glrt-x',
        last_update: 'abc',
        info: { name: 'dockhand', features: { trace_checksum: true } },
      },
    });
    expect(validateJobRequest({ token: 'x', info: { features: { a: 1 } } })).toMatchObject({
      ok: false,
      error: { path: 'info.features.a' },
    });
  });

  it('update job: state enum, unknown failure reasons fall back to unknown_failure', () => {
    expect(
      validateUpdateJobRequest({
        token: 't',
        state: 'failed',
        failure_reason: 'runner_interrupted',
        exit_code: 1,
        output: { checksum: 'crc32:00000000', bytesize: 0 },
      }),
    ).toEqual({
      ok: true,
      value: {
        token: 't',
        state: 'failed',
        failure_reason: 'unknown_failure',
        exit_code: 1,
        output: { checksum: 'crc32:00000000', bytesize: 0 },
      },
    });
    expect(validateUpdateJobRequest({ token: 't', state: 'done' })).toMatchObject({
      ok: false,
      error: { path: 'state' },
    });
    expect(
      validateUpdateJobRequest({ token: 't', state: 'running', exit_code: 1.5 }),
    ).toMatchObject({ ok: false, error: { path: 'exit_code' } });
  });

  it('token response: token_expires_at may be null or absent', () => {
    expect(validateRunnerTokenResponse({ id: 1, token: 'glrt-a', token_expires_at: null })).toEqual(
      {
        ok: true,
        value: { id: 1, token: 'glrt-a' },
      },
    );
    expect(validateRunnerTokenResponse({ id: -1, token: 'x' }).ok).toBe(false);
  });

  it('parses tag lists like GitLab', () => {
    expect(parseTagList(' docker, linux,,')).toEqual(['docker', 'linux']);
    expect(parseTagList(undefined)).toEqual([]);
  });

  it('does not let __proto__ through', () => {
    const result = validateJobRequest(JSON.parse('{"token":"t","__proto__":{"polluted":1}}'));
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
