import { describe, expect, it } from 'vitest';
import {
  checkAllowedImage,
  decideEntrypoint,
  decideUser,
  privilegeAllowed,
} from './image-policy.js';

// GitLab Runner's allowed_images table (common/allowed_images_test.go), as [image, patterns,
// internal, allowed].
const table: [string, string[], string[], boolean][] = [
  ['alpine', ['alpine'], [], true],
  ['alpine', ['ubuntu'], [], false],
  ['library/ruby', ['*'], [], false],
  ['library/ruby', ['**/*'], [], true],
  ['library/ruby', ['**/*:*'], [], false],
  ['library/ruby', ['*/*'], [], true],
  ['library/ruby', ['*/*:*'], [], false],
  ['library/ruby:2.1', ['*'], [], false],
  ['library/ruby:2.1', ['**/*'], [], true],
  ['library/ruby:2.1', ['**/*:*'], [], true],
  ['library/ruby:2.1', ['*/*'], [], true],
  ['library/ruby:2.1', ['*/*:*'], [], true],
  ['my.registry.tld/group/subgroup/ruby', ['*'], [], false],
  ['my.registry.tld/group/subgroup/ruby', ['my.registry.tld/**/*'], [], true],
  ['my.registry.tld/group/subgroup/ruby', ['my.registry.tld/*/*'], [], false],
  ['my.registry.tld/group/subgroup/ruby', ['my.registry.tld/*/*/*'], [], true],
  ['my.registry.tld/group/subgroup/ruby:2.1', ['*'], [], false],
  ['my.registry.tld/group/subgroup/ruby:2.1', ['my.registry.tld/**/*:*'], [], true],
  ['my.registry.tld/group/subgroup/ruby:2.1', ['my.registry.tld/*/*/*:*'], [], true],
  ['my.registry.tld/group/subgroup/ruby:2.1', ['my.registry.tld/*/*:*'], [], false],
  ['my.registry.tld/library/ruby', ['*'], [], false],
  ['my.registry.tld/library/ruby', ['my.registry.tld/**/*'], [], true],
  ['my.registry.tld/library/ruby', ['my.registry.tld/*/*'], [], true],
  ['my.registry.tld/library/ruby:2.1', ['*'], [], false],
  ['my.registry.tld/library/ruby:2.1', ['my.registry.tld/**/*:*'], [], true],
  ['my.registry.tld/library/ruby:2.1', ['my.registry.tld/*/*:*'], [], true],
  ['my.registry.tld/ruby', ['*'], [], false],
  ['my.registry.tld/ruby:2.1', ['*'], [], false],
  ['ruby', ['*'], [], true],
  ['ruby', ['**/*'], [], true],
  ['ruby:2.1', ['*'], [], true],
  ['ruby:2.1', ['**/*'], [], true],
  ['ruby:latest', ['*'], [], true],
  ['ruby:latest', ['**/*'], [], true],
  ['gitlab/gitlab-runner-helper', ['alpine'], ['gitlab/gitlab-runner-helper'], true],
  ['alpine', [], [], true],
  // Quirks (shared/reference/gitlab-runner.md §1.6).
  ['ruby', ['ruby:*'], [], false],
  ['ruby@sha256:abc', ['ruby:*'], [], false],
  ['ruby:3@sha256:abc', ['ruby:*'], [], true],
  ['ruby@sha256:abc', ['ruby@*'], [], true],
  ['ruby@sha256:abc', ['ruby{:,@}*'], [], true],
  ['ruby-evil:1', ['ruby*'], [], true],
  ['docker.io/library/ruby:latest', ['ruby'], [], false],
  ['evil/ruby', ['ruby*'], [], false],
  ['kali/kali', ['**', '!*/kali*'], [], true],
  ['a/b/c', ['**'], [], true],
  [
    'gitlab.example.com:5049/frank/docker-builder:latest',
    ['gitlab.example.com:5049/frank/docker-builder:*'],
    [],
    true,
  ],
  [
    'gitlab.example.com:5049/frank/docker-builder',
    ['gitlab.example.com:5049/frank/docker-builder:*'],
    [],
    false,
  ],
  ['ruby:2', ['ruby:[0-9]'], [], true],
  ['ruby:x', ['ruby:[!0-9]'], [], true],
  ['ruby:2', ['ruby:[!0-9]'], [], false],
  ['ruby:2', ['ruby:?'], [], true],
  ['a/b', ['a?b'], [], false],
];

describe('checkAllowedImage (GitLab allowed_images semantics)', () => {
  it.each(table)('%s with %j (internal %j) → %s', (image, allowed, internal, expected) => {
    const decision = checkAllowedImage({ image, allowed, internal, kind: 'images' });
    expect(decision.allowed).toBe(expected);
  });

  it('prints the image and the list when refusing', () => {
    const decision = checkAllowedImage({
      image: 'x',
      allowed: ['a', 'b'],
      internal: [],
      kind: 'services',
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'disallowed service' });
    if (!decision.allowed) {
      expect(decision.lines.slice(0, 3)).toEqual([
        'The "x" image is not present on list of allowed services:',
        '- a',
        '- b',
      ]);
    }
  });
});

describe('privilegeAllowed', () => {
  it('allows everything with an empty list and filters otherwise', () => {
    expect(privilegeAllowed('docker:dind', [])).toBe(true);
    expect(privilegeAllowed('docker:dind', ['docker:*'])).toBe(true);
    expect(privilegeAllowed('evil:dind', ['docker:*'])).toBe(false);
  });
});

describe('decideEntrypoint (the entrypoint lock)', () => {
  const base = {
    jobName: 'image-builder-mallory',
    subject: 'image builder:latest',
    restrictingKey: 'allowed_images' as const,
  };
  it('keeps the image entrypoint when the job sets none', () => {
    expect(
      decideEntrypoint({
        ...base,
        entrypoint: undefined,
        restricted: true,
        disableEntrypointOverwrite: true,
      }),
    ).toEqual({ kind: 'keep-image' });
  });
  it('refuses an override with restricted images, naming job, key and remedy', () => {
    const decision = decideEntrypoint({
      ...base,
      entrypoint: ['/bin/sh', '-c'],
      restricted: true,
      disableEntrypointOverwrite: true,
    });
    expect(decision.kind).toBe('refused');
    if (decision.kind === 'refused') {
      expect(decision.message).toContain('image-builder-mallory');
      expect(decision.message).toContain('disable_entrypoint_overwrite');
      expect(decision.hint).toContain('disable_entrypoint_overwrite = false');
    }
  });
  it('ignores an override with a warning when images are not restricted (GitLab)', () => {
    expect(
      decideEntrypoint({
        ...base,
        entrypoint: ['sh'],
        restricted: false,
        disableEntrypointOverwrite: true,
      }).kind,
    ).toBe('ignored');
  });
  it('honours an override when overwriting is allowed, warning when images are restricted', () => {
    expect(
      decideEntrypoint({
        ...base,
        runnerName: 'docker-builder',
        entrypoint: [''],
        restricted: true,
        disableEntrypointOverwrite: false,
      }),
    ).toEqual({
      kind: 'override',
      entrypoint: [''],
      warning:
        'job "' +
        base.jobName +
        '" overrides the entrypoint of its ' +
        base.subject +
        ': runner "docker-builder" sets disable_entrypoint_overwrite = false, so allowed_images does not limit what runs',
    });
    expect(
      decideEntrypoint({
        ...base,
        entrypoint: [''],
        restricted: false,
        disableEntrypointOverwrite: false,
      }),
    ).toEqual({ kind: 'override', entrypoint: [''] });
  });
});

describe('allowed_images hardening (dockhand, documented)', () => {
  const allowed = (image: string, patterns: string[]) =>
    checkAllowedImage({ image, allowed: patterns, internal: [], kind: 'images' });

  it('compares references in their fully qualified form', () => {
    expect(allowed('ruby:3', ['docker.io/library/ruby:*']).allowed).toBe(true);
    expect(allowed('docker.io/library/ruby:3', ['ruby:*']).allowed).toBe(true);
    expect(allowed('index.docker.io/library/ruby:3', ['ruby:*']).allowed).toBe(true);
    // A different registry is a different image, whatever the path.
    expect(allowed('evil.example/library/ruby:3', ['ruby:*']).allowed).toBe(false);
    expect(allowed('localhost/ruby:3', ['ruby:*']).allowed).toBe(false);
    // GitLab's quirk stays: a tag pattern does not admit the untagged name.
    expect(allowed('ruby', ['docker.io/library/ruby:*']).allowed).toBe(false);
  });

  it('keeps references case-sensitive and registry prefixes significant', () => {
    expect(
      allowed('127.0.0.1:5000/Frank/docker-builder:latest', [
        '127.0.0.1:5000/frank/docker-builder:*',
      ]).allowed,
    ).toBe(false);
    expect(
      allowed('evil.example/127.0.0.1:5000/frank/docker-builder:latest', [
        '127.0.0.1:5000/frank/docker-builder:*',
      ]).allowed,
    ).toBe(false);
  });

  const digest = `sha256:${'a'.repeat(64)}`;
  const other = `sha256:${'b'.repeat(64)}`;

  it('admits a tag of a digest-pinned repository only on condition of the content digest', () => {
    const decision = allowed('reg.example:5000/frank/builder:latest', [
      `reg.example:5000/frank/builder@${digest}`,
    ]);
    expect(decision).toEqual({
      allowed: true,
      pins: [{ repository: 'reg.example:5000/frank/builder', digest }],
    });
  });

  it('refuses a reference pinned to another digest, and other repositories', () => {
    expect(
      allowed(`reg.example:5000/frank/builder@${other}`, [
        `reg.example:5000/frank/builder@${digest}`,
      ]).allowed,
    ).toBe(false);
    expect(
      allowed('reg.example:5000/frank/other:latest', [`reg.example:5000/frank/builder@${digest}`])
        .allowed,
    ).toBe(false);
  });
});

describe('decideUser', () => {
  it('lets the runner user win over the job user', () => {
    expect(decideUser({ runnerUser: 'ci', jobUser: 'root', allowedUsers: [] })).toEqual({
      allowed: true,
      user: 'ci',
    });
  });
  it('checks allowed_users', () => {
    expect(
      decideUser({ runnerUser: undefined, jobUser: 'root', allowedUsers: ['ci'] }).allowed,
    ).toBe(false);
    expect(decideUser({ runnerUser: undefined, jobUser: 'ci', allowedUsers: ['ci'] }).allowed).toBe(
      true,
    );
    expect(decideUser({ runnerUser: undefined, jobUser: 'root', allowedUsers: [] }).allowed).toBe(
      true,
    );
  });
});
