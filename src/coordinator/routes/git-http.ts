/**
 * Git over smart HTTP, as a GitLab remote: `http://HOST/dockhand/NAME.git` serves clone/fetch
 * (git-upload-pack) and push (git-receive-pack) through git's own processes, and a push starts
 * one pipeline per updated branch or tag. HTTP Basic with the admin token as password (any
 * user name, e.g. `oauth2`); wrong or missing credentials get 401 and a Basic challenge, so git
 * asks its credential helpers. The credential never reaches git, a log or a message.
 */
import { Hono, type Context } from 'hono';
import { pipeline, Readable, type Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { CoordinatorContext } from '../app.js';
import {
  advertiseRefs,
  isGitService,
  startService,
  type GitProcess,
  type GitService,
} from '../git/git-service.js';
import {
  adoptDefaultBranch,
  bareRepoPath,
  ensureBareRepo,
  projectNameProblem,
} from '../git/project-repos.js';
import { PushReportStream, sidebandOf, type PushReport } from '../git/push-report.js';
import { startPushPipelines } from '../git/push-pipelines.js';
import { isZeroSha, ReceiveCommandReader, type RefUpdate } from '../git/receive-commands.js';
import { PROJECT_NAMESPACE } from '../pipeline-factory.js';
import { git } from '../repo-source.js';
import { tokenMatches } from '../tokens.js';

export interface GitHttpOptions {
  /** Where the bare repositories of projects created by a push live (`NAME.git`). */
  readonly reposDir: string;
  /** A push to an unknown project creates it (GitLab's push-to-create); false: 404. */
  readonly createOnPush: boolean;
}

export const GIT_REALM = 'dockhand';

interface Repo {
  readonly name: string;
  readonly dir: string;
  /** False: not a project yet; a successful push makes it one. */
  readonly known: boolean;
}

type GitContext = Context;

function plain(c: GitContext, status: 400 | 401 | 403 | 404 | 500, message: string): Response {
  // text/plain: git prints the body of a failed request as `remote: …` lines.
  c.header('Content-Type', 'text/plain; charset=utf-8');
  c.header('Cache-Control', 'no-cache');
  return c.body(`${message}\n`, status);
}

function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : text.slice(at + 1);
}

function noCache(c: GitContext): void {
  c.header('Cache-Control', 'no-cache, max-age=0, must-revalidate');
  c.header('Expires', 'Fri, 01 Jan 1980 00:00:00 GMT');
  c.header('Pragma', 'no-cache');
}

/** The request body as a Node stream, inflated when git sent it gzip-compressed. */
function requestBody(c: GitContext): Readable[] {
  const body = c.req.raw.body;
  const source =
    body === null ? Readable.from([]) : Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  return /gzip/i.test(c.req.header('Content-Encoding') ?? '') ? [source, createGunzip()] : [source];
}

/** Streams `output` as the response; a client that goes away takes the git process with it. */
function streamed(c: GitContext, service: GitService, child: GitProcess, output: Readable) {
  output.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  noCache(c);
  c.header('Content-Type', `application/x-${service}-result`);
  return c.body(Readable.toWeb(output) as ReadableStream<Uint8Array>, 200);
}

export function gitHttpRoutes(ctx: CoordinatorContext, options: GitHttpOptions): Hono {
  const routes = new Hono();

  /** The repository a request names, or the response refusing it. */
  async function resolve(c: GitContext, service: GitService): Promise<Repo | Response> {
    const namespace = c.req.param('namespace') ?? '';
    const name = (c.req.param('repo') ?? '').replace(/\.git$/, '');
    if (namespace !== PROJECT_NAMESPACE) {
      return plain(c, 404, `dockhand: projects are at /${PROJECT_NAMESPACE}/NAME.git`);
    }
    const problem = projectNameProblem(name);
    if (problem !== undefined) {
      // Printable only: git shows this body on the pusher's terminal as it is.
      const shown = name.slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
      return plain(c, 400, `dockhand: "${shown}" is not a project name: ${problem}`);
    }
    if (!tokenMatches(basicPassword(c.req.header('Authorization')), ctx.adminTokenHash)) {
      c.header('WWW-Authenticate', `Basic realm="${GIT_REALM}"`);
      return plain(
        c,
        401,
        'dockhand: HTTP Basic authentication required: any user name (e.g. oauth2) and the ' +
          "server's admin token as password",
      );
    }
    const project = await ctx.store.findProjectByName(name);
    if (project !== undefined) return { name, dir: project.path, known: true };
    if (service === 'git-receive-pack' && options.createOnPush) {
      const dir = bareRepoPath(options.reposDir, name);
      if (await ensureBareRepo(dir)) return { name, dir, known: false };
      return plain(c, 500, `dockhand: could not create the repository of ${name}`);
    }
    const hint = options.createOnPush ? ' (a push creates it)' : '';
    return plain(c, 404, `dockhand: project ${name} not found${hint}`);
  }

  routes.get('/:namespace/:repo/info/refs', async (c) => {
    const service = c.req.query('service');
    if (!isGitService(service)) {
      return plain(c, 403, 'dockhand: only smart HTTP is served (git 1.6.6 or later)');
    }
    const repo = await resolve(c, service);
    if (repo instanceof Response) return repo;
    const refs = await advertiseRefs(repo.dir, service, c.req.header('Git-Protocol'));
    if (refs === undefined) {
      return plain(c, 500, `dockhand: git could not read the repository of ${repo.name}`);
    }
    noCache(c);
    c.header('Content-Type', `application/x-${service}-advertisement`);
    return c.body(new Uint8Array(refs), 200);
  });

  routes.post('/:namespace/:repo/git-upload-pack', async (c) => {
    const repo = await resolve(c, 'git-upload-pack');
    if (repo instanceof Response) return repo;
    const { child } = startService(repo.dir, 'git-upload-pack', c.req.header('Git-Protocol'));
    pipeline([...requestBody(c), child.stdin], (error) => {
      if (error) child.kill();
    });
    return streamed(c, 'git-upload-pack', child, child.stdout);
  });

  routes.post('/:namespace/:repo/git-receive-pack', async (c) => {
    const repo = await resolve(c, 'git-receive-pack');
    if (repo instanceof Response) return repo;
    const { child, exited } = startService(repo.dir, 'git-receive-pack', undefined);
    const commands = new ReceiveCommandReader();
    const stages: (Readable | Transform)[] = [...requestBody(c), commands];
    pipeline([...stages, child.stdin], (error) => {
      if (error) child.kill();
    });
    const baseUrl = new URL(c.req.url).origin;
    // Once per push: at the end of the output, or when the client left before it (then with
    // no report, so the refs are checked as they stand).
    let acting: Promise<string[]> | undefined;
    const act = (result: PushReport) =>
      (acting ??= exited
        .then(async (code) => {
          if (code !== 0) return [];
          const landed = await landedUpdates(repo.dir, commands.request().updates, result);
          return await afterPush(repo, landed, baseUrl);
        })
        .catch(() => ['dockhand: the push landed, but starting its pipelines failed']));
    const report = new PushReportStream(() => sidebandOf(commands.request().capabilities), act);
    const output = child.stdout.pipe(report);
    child.stdout.once('error', (error) => report.destroy(error));
    const response = streamed(c, 'git-receive-pack', child, output);
    output.once('close', () => void act({ seen: false, unpackOk: false, ok: new Set() }));
    return response;
  });

  async function afterPush(repo: Repo, landed: readonly RefUpdate[], baseUrl: string) {
    if (landed.length === 0) return [];
    if (!repo.known) await ctx.store.upsertProject(repo.name, repo.dir);
    const branch = landed.find((u) => u.ref.startsWith('refs/heads/') && !isZeroSha(u.newSha));
    // Only repositories the server made: a user's own keeps the HEAD its owner chose.
    if (branch !== undefined && repo.dir === bareRepoPath(options.reposDir, repo.name)) {
      await adoptDefaultBranch(repo.dir, branch.ref);
    }
    return startPushPipelines(ctx, repo.name, landed, baseUrl);
  }

  return routes;
}

/**
 * The updates that took effect: those the report-status lists as `ok`; a client that asked
 * for no report (none does since git 1.6) is checked against the refs as they now stand.
 */
async function landedUpdates(
  dir: string,
  updates: readonly RefUpdate[],
  report: PushReport,
): Promise<RefUpdate[]> {
  if (report.seen) return report.unpackOk ? updates.filter((u) => report.ok.has(u.ref)) : [];
  const landed: RefUpdate[] = [];
  for (const update of updates) {
    const now = await git(dir, ['rev-parse', '--verify', '--quiet', update.ref]);
    const sha = now.code === 0 ? now.stdout.trim() : '0'.repeat(update.newSha.length);
    if (sha === update.newSha) landed.push(update);
  }
  return landed;
}
