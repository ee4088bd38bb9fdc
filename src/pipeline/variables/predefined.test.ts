import { describe, expect, it } from 'vitest';
import { type LocalRunContext, commitMessageParts, predefinedVariables } from './predefined.js';
import { slugify } from './slug.js';

describe('slugify (GitLab Gitlab::Utils.slugify)', () => {
  it.each<[string, string]>([
    ['main', 'main'],
    ['feature/Login-Page', 'feature-login-page'],
    ['Feature__X', 'feature--x'],
    ['-leading/and/trailing-', 'leading-and-trailing'],
    ['release/1.2.3', 'release-1-2-3'],
    ['Ünïcödé', 'n-c-d'],
    ['🐢turtle', 'turtle'],
    ['a'.repeat(70), 'a'.repeat(63)],
    // Truncated to 63 first, then trailing dashes are stripped.
    [`${'a'.repeat(62)}/b`, 'a'.repeat(62)],
    ['group/sub/My.Project', 'group-sub-my-project'],
    ['', ''],
    ['///', ''],
  ])('%j → %j', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});

describe('commitMessageParts (GitLab Commit#full_title / #description)', () => {
  it.each<[string, string, string]>([
    ['Fix bug\n', 'Fix bug', ''],
    ['Fix bug', 'Fix bug', ''],
    ['Fix bug\n\nLonger text\n', 'Fix bug', '\nLonger text'],
    ['Title\r\nBody\r\n', 'Title', 'Body'],
    ['', 'No commit message', 'No commit message'],
  ])('%j → title %j, description %j', (message, title, description) => {
    expect(commitMessageParts(message)).toMatchObject({
      message,
      title,
      description,
      truncated: false,
    });
  });

  it('uses the whole message as description when the title has 100+ characters', () => {
    const message = `${'t'.repeat(100)}\nbody\n`;
    expect(commitMessageParts(message).description).toBe(message);
  });

  it('truncates to 100,000 bytes without splitting a character', () => {
    const message = `${'x'.repeat(99_999)}é tail`;
    const parts = commitMessageParts(message);
    expect(parts.truncated).toBe(true);
    expect(parts.message).toBe('x'.repeat(99_999));
  });
});

const branchContext: LocalRunContext = {
  git: {
    sha: '8a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
    beforeSha: '1111111111111111111111111111111111111111',
    branch: 'feature/Login-Page',
    message: 'Add login page\n\nWith tests.\n',
    authorName: 'Ada Lovelace',
    authorEmail: 'ada@example.com',
    timestamp: '2024-05-01T10:20:30+02:00',
    defaultBranch: 'main',
  },
  project: {
    dir: '/builds/group/sub/My.Project',
    name: 'My.Project',
    path: 'group/sub/My.Project',
    namespace: 'group/sub',
    id: 42,
  },
  job: { id: 7, name: 'test: [unit, 1/2]', stage: 'test' },
  pipeline: { id: 100, iid: 3, createdAt: '2024-05-01T08:21:00Z' },
};

const asRecord = (ctx: LocalRunContext): Record<string, string> =>
  Object.fromEntries(predefinedVariables(ctx).map((v) => [v.key, v.value]));

describe('predefinedVariables', () => {
  it('describes a branch pipeline', () => {
    expect(asRecord(branchContext)).toEqual({
      CI: 'true',
      GITLAB_CI: 'true',
      CI_SERVER: 'yes',
      CI_PROJECT_ID: '42',
      CI_PROJECT_NAME: 'My.Project',
      CI_PROJECT_TITLE: 'My.Project',
      CI_PROJECT_PATH: 'group/sub/My.Project',
      CI_PROJECT_PATH_SLUG: 'group-sub-my-project',
      CI_PROJECT_NAMESPACE: 'group/sub',
      CI_PROJECT_NAMESPACE_SLUG: 'group-sub',
      CI_PROJECT_ROOT_NAMESPACE: 'group',
      CI_PROJECT_DIR: '/builds/group/sub/My.Project',
      CI_BUILDS_DIR: '/builds',
      CI_CONFIG_PATH: '.gitlab-ci.yml',
      CI_DEFAULT_BRANCH: 'main',
      CI_PIPELINE_ID: '100',
      CI_PIPELINE_IID: '3',
      CI_PIPELINE_SOURCE: 'push',
      CI_PIPELINE_CREATED_AT: '2024-05-01T08:21:00Z',
      CI_COMMIT_SHA: '8a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
      CI_COMMIT_SHORT_SHA: '8a1b2c3d',
      CI_COMMIT_BEFORE_SHA: '1111111111111111111111111111111111111111',
      CI_COMMIT_REF_NAME: 'feature/Login-Page',
      CI_COMMIT_REF_SLUG: 'feature-login-page',
      CI_COMMIT_BRANCH: 'feature/Login-Page',
      CI_COMMIT_MESSAGE: 'Add login page\n\nWith tests.\n',
      CI_COMMIT_MESSAGE_IS_TRUNCATED: 'false',
      CI_COMMIT_TITLE: 'Add login page',
      CI_COMMIT_DESCRIPTION: '\nWith tests.',
      CI_COMMIT_REF_PROTECTED: 'false',
      CI_COMMIT_TIMESTAMP: '2024-05-01T10:20:30+02:00',
      CI_COMMIT_AUTHOR: 'Ada Lovelace <ada@example.com>',
      CI_JOB_ID: '7',
      CI_JOB_NAME: 'test: [unit, 1/2]',
      CI_JOB_NAME_SLUG: 'test---unit--1-2',
      CI_JOB_STAGE: 'test',
      CI_NODE_TOTAL: '1',
    });
  });

  it('describes a tag pipeline with registry, server and parallel job', () => {
    const vars = predefinedVariables({
      ...branchContext,
      git: {
        ...branchContext.git,
        branch: 'main',
        tag: 'v1.2.0',
        tagMessage: 'Release 1.2',
        beforeSha: '',
      },
      job: { id: 8, name: 'build 2/3', stage: 'build', nodeIndex: 2, nodeTotal: 3 },
      pipeline: { ...branchContext.pipeline, source: 'web' },
      registry: {
        host: 'registry.example.com:5050',
        image: 'registry.example.com:5050/group/sub/my.project',
        user: 'gitlab-ci-token',
        password: 'glcbt-secret-token',
      },
      server: { url: 'https://gitlab.example.com:8443/', version: '17.5.1-ee' },
    });
    const r = Object.fromEntries(vars.map((v) => [v.key, v.value]));
    expect(r).toMatchObject({
      CI_COMMIT_TAG: 'v1.2.0',
      CI_COMMIT_TAG_MESSAGE: 'Release 1.2',
      CI_COMMIT_REF_NAME: 'v1.2.0',
      CI_COMMIT_REF_SLUG: 'v1-2-0',
      CI_COMMIT_BEFORE_SHA: '0'.repeat(40),
      CI_PIPELINE_SOURCE: 'web',
      CI_NODE_INDEX: '2',
      CI_NODE_TOTAL: '3',
      CI_JOB_NAME_SLUG: 'build-2-3',
      CI_REGISTRY: 'registry.example.com:5050',
      CI_REGISTRY_IMAGE: 'registry.example.com:5050/group/sub/my.project',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'glcbt-secret-token',
      CI_SERVER_URL: 'https://gitlab.example.com:8443',
      CI_SERVER_HOST: 'gitlab.example.com',
      CI_SERVER_PORT: '8443',
      CI_SERVER_PROTOCOL: 'https',
      CI_SERVER_FQDN: 'gitlab.example.com:8443',
      CI_SERVER_NAME: 'GitLab',
      CI_SERVER_VERSION: '17.5.1-ee',
      CI_SERVER_VERSION_MAJOR: '17',
      CI_SERVER_VERSION_MINOR: '5',
      CI_SERVER_VERSION_PATCH: '1',
      CI_API_V4_URL: 'https://gitlab.example.com:8443/api/v4',
      CI_PROJECT_URL: 'https://gitlab.example.com:8443/group/sub/My.Project',
      CI_PIPELINE_URL: 'https://gitlab.example.com:8443/group/sub/My.Project/-/pipelines/100',
      CI_JOB_URL: 'https://gitlab.example.com:8443/group/sub/My.Project/-/jobs/8',
    });
    expect(r).not.toHaveProperty('CI_COMMIT_BRANCH');
    const password = vars.find((v) => v.key === 'CI_REGISTRY_PASSWORD');
    expect(password).toMatchObject({ public: false, masked: true });
    expect(
      vars.filter((v) => v.key !== 'CI_REGISTRY_PASSWORD').every((v) => v.public && !v.masked),
    ).toBe(true);
  });

  it('uses the sha as ref for a detached HEAD and derives CI_BUILDS_DIR otherwise', () => {
    const { branch: _branch, ...git } = branchContext.git;
    const r = asRecord({
      ...branchContext,
      git,
      project: { ...branchContext.project, dir: '/work/checkout' },
    });
    expect(r['CI_COMMIT_REF_NAME']).toBe(branchContext.git.sha);
    expect(r).not.toHaveProperty('CI_COMMIT_BRANCH');
    expect(r['CI_BUILDS_DIR']).toBe('/work');
  });

  it('produces unique keys', () => {
    const keys = predefinedVariables(branchContext).map((v) => v.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
