import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { EnvironmentError } from '../core/errors.js';
import { readGitFiles } from './git-files.js';

/**
 * The facts about a working copy that a local run turns into predefined variables
 * (src/pipeline/variables/predefined.ts). Read with the `git` CLI, so whatever the user's git
 * understands (worktrees, submodules, alternates) works here too.
 */
export interface GitSnapshot {
  /** Top-level directory of the working copy. */
  readonly root: string;
  /** Its directory name: the local stand-in for CI_PROJECT_NAME. */
  readonly projectName: string;
  readonly sha: string;
  /** HEAD~1, or 40 zeros for a root commit (GitLab's value when there is no previous commit). */
  readonly beforeSha: string;
  /** Absent when HEAD is detached. */
  readonly branch?: string;
  readonly detached: boolean;
  /** A tag pointing at HEAD (the most recently created one if several). */
  readonly tag?: string;
  /** The annotation of `tag` when it is an annotated tag. */
  readonly tagMessage?: string;
  /** The raw commit message, exactly as stored. */
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** Committer date in ISO 8601 with the committer's offset (GitLab uses the committed date). */
  readonly timestamp: string;
  /** From `origin/HEAD`, else `init.defaultBranch`, else `main`. */
  readonly defaultBranch: string;
  /** Uncommitted changes or untracked files are present. */
  readonly dirty: boolean;
}

export interface ReadGitOptions {
  /** Environment for the git processes (tests isolate the user's configuration with it). */
  readonly env?: NodeJS.ProcessEnv;
}

const BLANK_SHA = '0'.repeat(40);

/** What one of the snapshot's `git` commands printed, and how it exited. */
interface GitAnswer {
  readonly code: number;
  readonly stdout: Buffer;
}

/**
 * The snapshot's questions, each a `git` command run from the working copy. One `sh` runs the
 * ones the repository's files cannot answer (src/git/git-files.ts): every process Node spawns
 * costs the event loop ≈ 4 ms here (a seventh of a one-line local run for seven of them), a
 * process `sh` spawns costs it nothing, and `sh` works through them while Node loads the
 * pipeline code. Their stderr is dropped, but for cat-file's.
 */
const QUESTIONS = {
  top: 'git rev-parse --show-toplevel 2>/dev/null',
  // The commit, its sha and its first parent at once; HEAD~1 resolves as `rev-parse` would
  // (grafts and shallow boundaries included).
  objects: "printf 'HEAD^{commit}\\nHEAD~1^{commit}\\n' | git cat-file --batch",
  branch: 'git symbolic-ref --quiet --short HEAD 2>/dev/null',
  tags: "git for-each-ref --points-at=HEAD --sort=-creatordate '--format=%(refname:strip=2)%00%(objecttype)%00%(contents)%00' refs/tags 2>/dev/null",
  originHead: 'git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null',
  configured: 'git config --get init.defaultBranch 2>/dev/null',
  status: 'git status --porcelain --untracked-files=normal 2>/dev/null',
} as const;

type Question = keyof typeof QUESTIONS;

/**
 * After each command the script prints a newline, a marker and the exit code: `\n<marker> <code>\n`.
 * The marker ($1) is random per run, so no repository content can forge it.
 */
function scriptFor(questions: readonly Question[]): string {
  return questions.map((q) => `${QUESTIONS[q]}; printf '\\n%s %d\\n' "$1" "$?"`).join('\n');
}

/** sh's exit code for a command it could not find. */
const NOT_FOUND = 127;

interface Answers {
  readonly answers: GitAnswer[];
  readonly stderr: string;
}

function askGit(
  dir: string,
  env: NodeJS.ProcessEnv,
  questions: readonly Question[],
): Promise<Answers> {
  const marker = `dockhand-${randomBytes(12).toString('hex')}`;
  return new Promise((resolve, reject) => {
    const unavailable = (why: string, cause?: unknown): void => {
      reject(
        new EnvironmentError('git.unavailable', `could not run git in ${dir}: ${why}`, {
          hint: 'install git and make sure it is on PATH',
          ...(cause === undefined ? {} : { cause }),
        }),
      );
    };
    // Absolute, so that a PATH without git still reports git (sh's 127), not a missing sh. No
    // stdin: nothing reads it, and its pipe would cost the event loop a socket.
    const child = spawn('/bin/sh', ['-c', scriptFor(questions), 'sh', marker], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => unavailable(error.message, error));
    child.on('close', (code) => {
      const errors = Buffer.concat(stderr).toString('utf8');
      // The script ends with a printf, so sh exits 0 once every question has its answer.
      const answers = code === 0 ? splitAnswers(Buffer.concat(stdout), marker) : [];
      if (answers.length !== questions.length || answers.some((a) => a.code === NOT_FOUND)) {
        unavailable(errors.trim() === '' ? `sh exited with ${String(code)}` : errors.trim());
        return;
      }
      resolve({ answers, stderr: errors });
    });
  });
}

/** Cuts the script's output at its markers (see SCRIPT). */
function splitAnswers(output: Buffer, marker: string): GitAnswer[] {
  const answers: GitAnswer[] = [];
  const separator = Buffer.from(`\n${marker} `);
  let at = 0;
  for (;;) {
    const cut = output.indexOf(separator, at);
    if (cut < 0) return answers;
    const eol = output.indexOf(0x0a, cut + separator.length);
    if (eol < 0) return answers;
    const code = Number(output.toString('utf8', cut + separator.length, eol));
    answers.push({ code, stdout: output.subarray(at, cut) });
    at = eol + 1;
  }
}

const text = (answer: GitAnswer): string => answer.stdout.toString('utf8');

/** One object of `git cat-file --batch` output: undefined when git reported it missing. */
interface BatchObject {
  readonly oid: string;
  readonly contents: string;
}

const BATCH_HEADER = /^([0-9a-f]{40,64}) (\S+) (\d+)$/;

/**
 * Splits `git cat-file --batch` output (`<oid> <type> <size>\n<contents>\n` per object, or
 * `<name> missing\n`). Sizes are in bytes, so the output is walked as a Buffer.
 */
function parseBatch(output: Buffer, count: number): (BatchObject | undefined)[] {
  const objects: (BatchObject | undefined)[] = [];
  let at = 0;
  while (objects.length < count && at < output.length) {
    const eol = output.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = BATCH_HEADER.exec(output.toString('utf8', at, eol));
    if (header === null) {
      objects.push(undefined);
      at = eol + 1;
      continue;
    }
    const end = eol + 1 + Number(header[3]);
    objects.push({ oid: header[1]!, contents: output.toString('utf8', eol + 1, end) });
    at = end + 1;
  }
  while (objects.length < count) objects.push(undefined);
  return objects;
}

/** What a command would have printed, for a question the repository's files answered. */
const known = (stdout: string, code = 0): GitAnswer => ({ code, stdout: Buffer.from(stdout) });

/** `symbolic-ref --quiet --short`'s answer: the name, or exit 1 for no symbolic ref. */
const symbolic = (name: string | null): GitAnswer =>
  name === null ? known('', 1) : known(`${name}\n`);

type AllAnswers = Record<Question, GitAnswer> & { readonly stderr: string };

/**
 * Every question answered: from the repository's files where they safely can (a plain
 * repository: most of them), by `git` for the rest. `init.defaultBranch` is asked only when
 * origin/HEAD does not name the default branch, the tags only when there are any.
 */
async function answersFor(dir: string, env: NodeJS.ProcessEnv): Promise<AllAnswers> {
  const files = readGitFiles(dir, env);
  const fromFiles: Partial<Record<Question, GitAnswer>> = {};
  if (files !== undefined) {
    fromFiles.top = known(`${files.root}\n`);
    if (files.branch !== undefined) fromFiles.branch = symbolic(files.branch);
    if (!files.mayHaveTags) fromFiles.tags = known('');
    if (files.originHead !== undefined) {
      fromFiles.originHead = symbolic(files.originHead);
      // Not consulted when origin/HEAD names the branch (defaultBranchFrom).
      if (files.originHead?.startsWith('origin/') === true) fromFiles.configured = known('', 1);
    }
  }
  const asked = (Object.keys(QUESTIONS) as Question[]).filter((q) => fromFiles[q] === undefined);
  const { answers, stderr } = await askGit(dir, env, asked);
  const all = { ...fromFiles } as Record<Question, GitAnswer>;
  asked.forEach((question, i) => (all[question] = answers[i]!));
  return { ...all, stderr };
}

/** Reads HEAD, refs and status of the working copy at `dir`. */
export async function readGitSnapshot(
  dir: string,
  options: ReadGitOptions = {},
): Promise<GitSnapshot> {
  const env = options.env ?? process.env;
  const {
    top,
    objects,
    branch: branchRef,
    tags: tagRefs,
    originHead,
    configured,
    status,
    stderr,
  } = await answersFor(dir, env);
  if (top.code !== 0) {
    throw new EnvironmentError('git.not-a-repository', `${dir} is not inside a git working copy`, {
      hint: 'run dockhand from a git checkout, or run `git init` and commit first',
    });
  }
  const root = text(top).trim();
  if (objects.code !== 0) {
    throw new EnvironmentError(
      'git.read-failed',
      `could not read HEAD in ${root}: ${stderr.trim()}`,
    );
  }
  const [commit, parent] = parseBatch(objects.stdout, 2);
  if (commit === undefined) {
    throw new EnvironmentError('git.no-commits', `the repository at ${root} has no commits yet`, {
      hint: 'commit something first: GitLab runs pipelines for commits',
    });
  }
  const sha = commit.oid;
  const parsed = parseCommit(commit.contents);
  const branch = branchRef.code === 0 ? text(branchRef).trim() : undefined;
  const [tagName, tagType, tagContents] = text(tagRefs).split('\0');
  const tag = tagName === undefined || tagName.trim() === '' ? undefined : tagName.trim();

  return {
    root,
    projectName: basename(root),
    sha,
    beforeSha: parent?.oid ?? BLANK_SHA,
    ...(branch === undefined ? {} : { branch }),
    detached: branch === undefined,
    ...(tag === undefined ? {} : { tag }),
    ...(tag !== undefined && tagType === 'tag' && tagContents !== undefined
      ? { tagMessage: tagContents }
      : {}),
    ...parsed,
    defaultBranch: defaultBranchFrom(originHead, configured),
    dirty: status.code === 0 && text(status).trim() !== '',
  };
}

/** From `origin/HEAD`, else `init.defaultBranch`, else `main`. */
function defaultBranchFrom(originHead: GitAnswer, configured: GitAnswer): string {
  const fromOrigin = text(originHead).trim();
  if (originHead.code === 0 && fromOrigin.startsWith('origin/')) {
    return fromOrigin.slice('origin/'.length);
  }
  const name = text(configured).trim();
  return configured.code === 0 && name !== '' ? name : 'main';
}

const PERSON = /^(author|committer) (.*) <([^>]*)> (\d+) ([+-])(\d{2})(\d{2})$/;

/** Parses `git cat-file commit` output: headers, a blank line, then the raw message. */
function parseCommit(
  raw: string,
): Pick<GitSnapshot, 'message' | 'authorName' | 'authorEmail' | 'timestamp'> {
  const split = raw.indexOf('\n\n');
  const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
  const message = split < 0 ? '' : raw.slice(split + 2);
  let authorName = '';
  let authorEmail = '';
  let timestamp = '';
  for (const line of headers) {
    const m = PERSON.exec(line);
    if (m === null) continue;
    if (m[1] === 'author') {
      authorName = m[2]!;
      authorEmail = m[3]!;
    } else {
      timestamp = isoWithOffset(Number(m[4]), m[5]!, m[6]!, m[7]!);
    }
  }
  return { message, authorName, authorEmail, timestamp };
}

/** `2024-05-01T10:20:30+02:00`: the wall-clock time in the committer's own offset. */
function isoWithOffset(epochSeconds: number, sign: string, hours: string, minutes: string): string {
  const offsetSeconds = (sign === '-' ? -1 : 1) * (Number(hours) * 3600 + Number(minutes) * 60);
  const local = new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 19);
  return `${local}${sign}${hours}:${minutes}`;
}
