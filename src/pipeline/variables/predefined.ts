import type { JobVariable } from '../../protocol/job-spec.js';
import { slugify } from './slug.js';

/**
 * The facts a local run knows, as plain values (read by src/git and the CLI, not here).
 * Setting `git.tag` makes it a tag pipeline; otherwise `git.branch` makes it a branch pipeline.
 */
export interface LocalRunContext {
  readonly git: {
    readonly sha: string;
    /** Absent or empty: GitLab's 40 zeros (first commit, manual runs). */
    readonly beforeSha?: string;
    readonly branch?: string;
    readonly tag?: string;
    /** Annotation of an annotated tag (CI_COMMIT_TAG_MESSAGE). */
    readonly tagMessage?: string;
    readonly message: string;
    readonly authorName: string;
    readonly authorEmail: string;
    /** Committer date, ISO 8601 (GitLab uses the committed date). */
    readonly timestamp: string;
    readonly defaultBranch: string;
  };
  readonly project: {
    /** CI_PROJECT_DIR inside the job, e.g. /builds/group/project. */
    readonly dir: string;
    /** The last path segment, e.g. `project`. */
    readonly name: string;
    /** The full path, e.g. `group/sub/project`. */
    readonly path: string;
    /** The namespace full path, e.g. `group/sub`. */
    readonly namespace: string;
    readonly id: number;
    /** Human-readable name (CI_PROJECT_TITLE); defaults to `name`. */
    readonly title?: string;
    /** CI_BUILDS_DIR; defaults to `dir` without its trailing `/<path>`, else its parent. */
    readonly buildsDir?: string;
    readonly visibility?: 'private' | 'internal' | 'public';
    /** CI_CONFIG_PATH; defaults to `.gitlab-ci.yml`. */
    readonly configPath?: string;
  };
  readonly job: {
    readonly id: number;
    readonly name: string;
    readonly stage: string;
    /** 1-based index of a `parallel` job instance; absent when the job is not parallel. */
    readonly nodeIndex?: number;
    readonly nodeTotal?: number;
    readonly startedAt?: string;
  };
  readonly pipeline: {
    readonly id: number;
    readonly iid: number;
    /** CI_PIPELINE_SOURCE; `push` when absent. */
    readonly source?: string;
    /** ISO 8601. */
    readonly createdAt: string;
  };
  readonly registry?: {
    /** `host[:port]`. */
    readonly host: string;
    /** `host[:port]/group/project`. */
    readonly image: string;
    /** Absent (with `password`) for a registry without authentication. */
    readonly user?: string;
    readonly password?: string;
  };
  readonly server?: {
    /** e.g. `https://gitlab.example.com`. */
    readonly url: string;
    readonly name?: string;
    /** e.g. `17.5.1-ee`. */
    readonly version?: string;
  };
}

const BLANK_SHA = '0'.repeat(40);
/** GitLab truncates the commit message variables at this many bytes (default setting). */
const MAX_COMMIT_MESSAGE_BYTES = 100_000;
const NO_COMMIT_MESSAGE = 'No commit message';

/** Predefined variables GitLab (and the runner, for CI_SERVER / CI_BUILDS_DIR) would send. */
export function predefinedVariables(ctx: LocalRunContext): JobVariable[] {
  const out: JobVariable[] = [];
  const add = (key: string, value: string, secret = false): void => {
    out.push({ key, value, public: !secret, masked: secret, file: false, raw: false });
  };
  add('CI', 'true');
  add('GITLAB_CI', 'true');
  add('CI_SERVER', 'yes');
  serverVariables(ctx, add);
  projectVariables(ctx, add);
  pipelineVariables(ctx, add);
  commitVariables(ctx, add);
  jobVariables(ctx, add);
  if (ctx.registry !== undefined) {
    add('CI_REGISTRY', ctx.registry.host);
    add('CI_REGISTRY_IMAGE', ctx.registry.image);
    if (ctx.registry.user !== undefined) add('CI_REGISTRY_USER', ctx.registry.user);
    if (ctx.registry.password !== undefined) {
      add('CI_REGISTRY_PASSWORD', ctx.registry.password, true);
    }
  }
  return out;
}

type Add = (key: string, value: string, secret?: boolean) => void;

function serverVariables(ctx: LocalRunContext, add: Add): void {
  if (ctx.server === undefined) return;
  const url = new URL(ctx.server.url);
  const base = url.origin + url.pathname.replace(/\/+$/, '');
  const protocol = url.protocol.replace(/:$/, '');
  const port = url.port === '' ? (protocol === 'https' ? '443' : '80') : url.port;
  add('CI_SERVER_URL', base);
  add('CI_SERVER_HOST', url.hostname);
  add('CI_SERVER_PORT', port);
  add('CI_SERVER_PROTOCOL', protocol);
  add('CI_SERVER_FQDN', url.host);
  add('CI_SERVER_NAME', ctx.server.name ?? 'GitLab');
  if (ctx.server.version !== undefined) {
    add('CI_SERVER_VERSION', ctx.server.version);
    const [major = '', minor = '', patch = ''] = ctx.server.version.split(/[.-]/);
    add('CI_SERVER_VERSION_MAJOR', major);
    add('CI_SERVER_VERSION_MINOR', minor);
    add('CI_SERVER_VERSION_PATCH', patch);
  }
  add('CI_API_V4_URL', `${base}/api/v4`);
  add('CI_API_GRAPHQL_URL', `${base}/api/graphql`);
  const projectUrl = `${base}/${ctx.project.path}`;
  add('CI_PROJECT_URL', projectUrl);
  add('CI_PIPELINE_URL', `${projectUrl}/-/pipelines/${ctx.pipeline.id}`);
  add('CI_JOB_URL', `${projectUrl}/-/jobs/${ctx.job.id}`);
}

function projectVariables(ctx: LocalRunContext, add: Add): void {
  const p = ctx.project;
  add('CI_PROJECT_ID', String(p.id));
  add('CI_PROJECT_NAME', p.name);
  add('CI_PROJECT_TITLE', p.title ?? p.name);
  add('CI_PROJECT_PATH', p.path);
  add('CI_PROJECT_PATH_SLUG', slugify(p.path));
  add('CI_PROJECT_NAMESPACE', p.namespace);
  add('CI_PROJECT_NAMESPACE_SLUG', slugify(p.namespace));
  add('CI_PROJECT_ROOT_NAMESPACE', p.namespace.split('/')[0] ?? p.namespace);
  if (p.visibility !== undefined) add('CI_PROJECT_VISIBILITY', p.visibility);
  add('CI_PROJECT_DIR', p.dir);
  add('CI_BUILDS_DIR', p.buildsDir ?? buildsDirOf(p.dir, p.path));
  add('CI_CONFIG_PATH', p.configPath ?? '.gitlab-ci.yml');
  add('CI_DEFAULT_BRANCH', ctx.git.defaultBranch);
}

function buildsDirOf(dir: string, path: string): string {
  const trimmed = dir.replace(/\/+$/, '');
  if (trimmed.endsWith(`/${path}`)) return trimmed.slice(0, -path.length - 1) || '/';
  const slash = trimmed.lastIndexOf('/');
  return slash <= 0 ? '/' : trimmed.slice(0, slash);
}

function pipelineVariables(ctx: LocalRunContext, add: Add): void {
  add('CI_PIPELINE_ID', String(ctx.pipeline.id));
  add('CI_PIPELINE_IID', String(ctx.pipeline.iid));
  add('CI_PIPELINE_SOURCE', ctx.pipeline.source ?? 'push');
  add('CI_PIPELINE_CREATED_AT', ctx.pipeline.createdAt);
}

function commitVariables(ctx: LocalRunContext, add: Add): void {
  const g = ctx.git;
  const ref = g.tag ?? g.branch ?? g.sha;
  add('CI_COMMIT_SHA', g.sha);
  add('CI_COMMIT_SHORT_SHA', g.sha.slice(0, 8));
  add(
    'CI_COMMIT_BEFORE_SHA',
    g.beforeSha === undefined || g.beforeSha === '' ? BLANK_SHA : g.beforeSha,
  );
  add('CI_COMMIT_REF_NAME', ref);
  add('CI_COMMIT_REF_SLUG', slugify(ref));
  if (g.tag === undefined && g.branch !== undefined) add('CI_COMMIT_BRANCH', g.branch);
  const message = commitMessageParts(g.message);
  add('CI_COMMIT_MESSAGE', message.message);
  add('CI_COMMIT_MESSAGE_IS_TRUNCATED', String(message.truncated));
  add('CI_COMMIT_TITLE', message.title);
  add('CI_COMMIT_DESCRIPTION', message.description);
  add('CI_COMMIT_REF_PROTECTED', 'false');
  add('CI_COMMIT_TIMESTAMP', g.timestamp);
  add('CI_COMMIT_AUTHOR', `${g.authorName} <${g.authorEmail}>`);
  if (g.tag !== undefined) {
    add('CI_COMMIT_TAG', g.tag);
    if (g.tagMessage !== undefined) add('CI_COMMIT_TAG_MESSAGE', g.tagMessage);
  }
}

const BLANK = /^\s*$/u;

/**
 * GitLab's Commit#full_title and #description (app/models/commit.rb): the title is the first
 * line (split at \r or \n); the description is the rest after the first \n with one trailing
 * line break removed, or the whole message when the title is 100 characters or longer.
 * Each is then cut at 100,000 bytes.
 */
export function commitMessageParts(raw: string): {
  message: string;
  title: string;
  description: string;
  truncated: boolean;
} {
  const blank = BLANK.test(raw);
  const title = blank ? NO_COMMIT_MESSAGE : (raw.split(/[\r\n]/, 1)[0] ?? '');
  let description: string;
  if (Array.from(title).length >= 100) description = raw;
  else if (blank) description = NO_COMMIT_MESSAGE;
  else {
    const newline = raw.indexOf('\n');
    description = newline < 0 ? '' : raw.slice(newline + 1).replace(/(\r\n|\n|\r)$/, '');
  }
  const truncated = new TextEncoder().encode(raw).length > MAX_COMMIT_MESSAGE_BYTES;
  const cut = (text: string): string => (truncated ? truncateBytes(text) : text);
  return { message: cut(raw), title: cut(title), description: cut(description), truncated };
}

function truncateBytes(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= MAX_COMMIT_MESSAGE_BYTES) return text;
  // Drop a code point cut in half rather than emit a replacement character.
  return new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, MAX_COMMIT_MESSAGE_BYTES))
    .replace(/\uFFFD$/, '');
}

function jobVariables(ctx: LocalRunContext, add: Add): void {
  const j = ctx.job;
  add('CI_JOB_ID', String(j.id));
  add('CI_JOB_NAME', j.name);
  add('CI_JOB_NAME_SLUG', slugify(j.name));
  add('CI_JOB_STAGE', j.stage);
  if (j.startedAt !== undefined) add('CI_JOB_STARTED_AT', j.startedAt);
  // GitLab always sends CI_NODE_TOTAL (1 without `parallel`); CI_NODE_INDEX only with it.
  if (j.nodeIndex !== undefined) add('CI_NODE_INDEX', String(j.nodeIndex));
  add('CI_NODE_TOTAL', String(j.nodeTotal ?? 1));
}
