import { describe, expect, it } from 'vitest';
import { RecordingLog, testJob } from '../../../test/support/jobs.js';
import type { JobSpec } from '../../protocol/job-spec.js';
import { createJobContext } from './job-context.js';
import { planJob } from './job-plan.js';
import { defaultDockerSettings, type DockerExecutorSettings } from './settings.js';

// The privilege, user and pull-policy controls GitLab Runner has, decided before any container
// exists (issue 7, point 3).

function plan(job: Partial<JobSpec>, settings: Partial<DockerExecutorSettings>) {
  const ctx = createJobContext(testJob(job), 'test-session');
  return planJob(
    ctx,
    { ...defaultDockerSettings('busybox:latest'), ...settings },
    new RecordingLog(),
  );
}

const dind = { name: 'docker:dind', alias: 'docker-in-docker' };

describe('planJob privilege controls', () => {
  it('privileged applies to the build container and, by default, to services', () => {
    const result = plan(
      { image: { name: 'docker:latest' }, services: [dind] },
      { privileged: true },
    );
    expect(result.privileged).toBe(true);
    expect(result.services[0]?.privileged).toBe(true);
  });

  it('services_privileged overrides privileged for services only', () => {
    const off = plan(
      { image: { name: 'docker:latest' }, services: [dind] },
      { privileged: true, services_privileged: false },
    );
    expect(off.privileged).toBe(true);
    expect(off.services[0]?.privileged).toBe(false);
    const on = plan(
      { image: { name: 'docker:latest' }, services: [dind] },
      { privileged: false, services_privileged: true },
    );
    expect(on.privileged).toBe(false);
    expect(on.services[0]?.privileged).toBe(true);
  });

  it('allowed_privileged_images / _services drop privilege silently for other images', () => {
    const result = plan(
      { image: { name: 'docker:latest' }, services: [dind, { name: 'busybox:latest' }] },
      {
        privileged: true,
        allowedPrivilegedImages: ['debian:*'],
        allowedPrivilegedServices: ['docker:*-dind', 'docker:dind'],
      },
    );
    expect(result.privileged).toBe(false);
    expect(result.services.map((s) => s.privileged)).toEqual([true, false]);
  });
});

describe('planJob user and pull-policy controls', () => {
  it('the runner user wins over the job user; allowed_users refuses others', () => {
    const job = { image: { name: 'busybox:latest', executor_opts: { docker: { user: 'root' } } } };
    expect(plan(job, { user: 'ci' }).user).toBe('ci');
    expect(() => plan(job, { allowedUsers: ['ci'] })).toThrow(
      /user "root" is not in allowed_users/,
    );
    expect(plan(job, { allowedUsers: ['root'] }).user).toBe('root');
  });

  it('a job pull_policy outside allowed_pull_policies fails the job', () => {
    const job = { image: { name: 'busybox:latest', pull_policy: ['if-not-present' as const] } };
    expect(() => plan(job, { pull_policy: ['always'], allowed_pull_policies: ['always'] })).toThrow(
      /pull policy|pull_policy/i,
    );
    expect(
      plan(job, { pull_policy: ['always'], allowed_pull_policies: ['always', 'if-not-present'] })
        .policies,
    ).toEqual(['if-not-present']);
  });
});
