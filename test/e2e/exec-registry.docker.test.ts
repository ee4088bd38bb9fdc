import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { Cleanup, buildCli, gitRepo, runExec } from '../support/exec-cli.js';

/**
 * `dockhand exec --registry HOST[:PORT] --registry-user U --registry-password-file F`: the
 * CI_REGISTRY* variables a GitLab job gets, with the password masked wherever the job prints it.
 */

const PIPELINE = `show-registry:
  image: busybox:latest
  script:
    - echo "registry=$CI_REGISTRY image=$CI_REGISTRY_IMAGE user=$CI_REGISTRY_USER"
    - echo "$CI_REGISTRY_PASSWORD"
    - echo "password=\${CI_REGISTRY_PASSWORD}!"
    - printf '%s' "\${CI_REGISTRY_PASSWORD%????????}"; sleep 0.3; printf '%s\\n' "\${CI_REGISTRY_PASSWORD#\${CI_REGISTRY_PASSWORD%????????}}"
    - env | grep '^CI_REGISTRY_PASSWORD='
`;

describeWithEngine('dockhand exec --registry flags (built CLI, real engine)', (engine) => {
  const cleanup = new Cleanup();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let repo = '';
  let passwordFile = '';

  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest')))
      throw new Error('busybox:latest is missing: run the image seed');
    buildCli();
    repo = gitRepo(cleanup, 'dockhand-Registry-Vars-', { '.gitlab-ci.yml': PIPELINE });
    passwordFile = join(cleanup.tempDir('dockhand-registry-pw-'), 'password');
    writeFileSync(passwordFile, `${password}\n`);
  }, 300_000);

  afterAll(() => cleanup.run());

  it('sets CI_REGISTRY* and never prints the password, however the job echoes it', () => {
    const r = runExec(repo, [
      '--registry',
      'registry.local:5050',
      '--registry-user',
      'ci-user',
      '--registry-password-file',
      passwordFile,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const project = repo.split('/').pop()!.toLowerCase();
    expect(r.stdout).toContain(
      `registry=registry.local:5050 image=registry.local:5050/local/${project} user=ci-user\n`,
    );
    expect(r.stdout).toContain('\n[MASKED]\n');
    expect(r.stdout).toContain('password=[MASKED]!\n');
    expect(r.stdout).toContain('CI_REGISTRY_PASSWORD=[MASKED]\n');
    const log = readFileSync(join(repo, '.dockhand', 'logs', 'show-registry.log'), 'utf8');
    for (const text of [r.stdout, r.stderr, log]) expect(text).not.toContain(password);
    // Split across two writes, the halves are masked as one.
    expect(r.stdout).not.toContain(password.slice(0, -8));
  });

  it('refuses incomplete flags as a usage error (exit 2) before running anything', () => {
    const r = runExec(repo, ['--registry', 'registry.local', '--registry-user', 'ci-user']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--registry-user and --registry-password-file go together');
    expect(r.containersCreated).toEqual([]);
  });
});
