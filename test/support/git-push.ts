/**
 * Pushing to a running `dockhand server` over git's smart HTTP, as a user would:
 * `pushCommit` commits files in a work repository and pushes them to
 * `URL/dockhand/PROJECT.git` with the admin token as HTTP Basic password, and returns the
 * pipelines the server announced in its `remote:` lines. Git runs asynchronously, so the
 * server may live in the same process.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Environment for a git client isolated from the user's configuration, with the token sent as
 * HTTP Basic (user `oauth2`) through config in the environment, so it is not in argv.
 * `token: undefined`: no credentials at all.
 */
export function gitClientEnv(token: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Push Tester',
    GIT_AUTHOR_EMAIL: 'push@example.com',
    GIT_COMMITTER_NAME: 'Push Tester',
    GIT_COMMITTER_EMAIL: 'push@example.com',
  };
  delete env['GIT_ASKPASS'];
  delete env['SSH_ASKPASS'];
  if (token === undefined) return env;
  const basic = Buffer.from(`oauth2:${token}`).toString('base64');
  return {
    ...env,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

export function runGit(
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: options.cwd, env: options.env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function projectRemote(url: string, project: string): string {
  return `${url.replace(/\/$/, '')}/dockhand/${project}.git`;
}

export interface AnnouncedPipeline {
  readonly id: number;
  readonly ref: string;
  readonly url: string;
}

/** The `remote: dockhand: pipeline #N for REF: URL` lines of a push's output. */
export function announcedPipelines(output: string): AnnouncedPipeline[] {
  const found = output.matchAll(/^remote: dockhand: pipeline #(\d+) for (\S+): (\S+)/gm);
  return [...found].map((m) => ({ id: Number(m[1]), ref: m[2] ?? '', url: m[3] ?? '' }));
}

export interface PushCommitOptions {
  /** The server, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly project: string;
  /** The admin token; undefined: push without credentials. */
  readonly token: string | undefined;
  /** Files to write (path → text) before committing. */
  readonly files: Readonly<Record<string, string>>;
  /** Branch to commit on and push. Default main. */
  readonly branch?: string;
  readonly message?: string;
  /** Also create and push this annotated tag on the commit. */
  readonly tag?: string;
  /** A work repository to commit in (created when missing, kept); default a temporary one. */
  readonly workDir?: string;
}

export interface PushCommitResult extends GitRun {
  /** The commit pushed. */
  readonly sha: string;
  readonly pipelines: readonly AnnouncedPipeline[];
}

async function commitFiles(dir: string, options: PushCommitOptions, env: NodeJS.ProcessEnv) {
  const branch = options.branch ?? 'main';
  const git = (...args: string[]) => runGit(args, { cwd: dir, env });
  await mkdir(dir, { recursive: true });
  if ((await git('rev-parse', '--git-dir')).code !== 0) await git('init', '-q', '-b', branch);
  await git('checkout', '-q', '-B', branch);
  for (const [path, text] of Object.entries(options.files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await git('add', '-A');
  const commit = await git('commit', '-q', '--allow-empty', '-m', options.message ?? 'push');
  if (commit.code !== 0) throw new Error(`git commit failed: ${commit.stderr}`);
  if (options.tag !== undefined) await git('tag', '-a', '-m', options.tag, options.tag);
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}

export async function pushCommit(options: PushCommitOptions): Promise<PushCommitResult> {
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'dockhand-push-')));
  const env = gitClientEnv(options.token);
  try {
    const sha = await commitFiles(dir, options, env);
    const refs = [`refs/heads/${options.branch ?? 'main'}`];
    if (options.tag !== undefined) refs.push(`refs/tags/${options.tag}`);
    const push = await runGit(['push', projectRemote(options.url, options.project), ...refs], {
      cwd: dir,
      env,
    });
    return { ...push, sha, pipelines: announcedPipelines(push.stderr) };
  } finally {
    if (options.workDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}
