/**
 * Runs git's own server side of the smart HTTP protocol: `git upload-pack` (fetch, clone) and
 * `git receive-pack` (push) with `--stateless-rpc`, one process per request, as
 * `git http-backend` does. Bodies stream through the processes' pipes.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { dataPacket, FLUSH } from './pkt-line.js';

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export type GitProcess = ChildProcessByStdio<Writable, Readable, null>;

export function isGitService(name: string | undefined): name is GitService {
  return name === 'git-upload-pack' || name === 'git-receive-pack';
}

/** Environment a request's git must not inherit from the server's (e.g. run from a hook). */
const REPO_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
];

/**
 * The client's `Git-Protocol` header becomes GIT_PROTOCOL (protocol v2 for fetches), as
 * http-backend passes it; anything but plain `key=value:…` text is dropped.
 */
function serviceEnv(service: GitService, gitProtocol: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  for (const key of REPO_ENV) delete env[key];
  delete env['GIT_PROTOCOL'];
  if (service === 'git-upload-pack' && gitProtocol !== undefined) {
    if (/^[A-Za-z0-9=:._-]{1,200}$/.test(gitProtocol)) env['GIT_PROTOCOL'] = gitProtocol;
  }
  return env;
}

function isV2(service: GitService, gitProtocol: string | undefined): boolean {
  return service === 'git-upload-pack' && (gitProtocol ?? '').split(':').includes('version=2');
}

/** `git upload-pack` → `upload-pack`: the subcommand name. */
function subcommand(service: GitService): string {
  return service.slice('git-'.length);
}

/**
 * GET info/refs: the ref advertisement, after the `# service=…` line smart HTTP clients expect
 * (left out for protocol v2, whose capability advertisement stands alone). Small enough to
 * collect, which lets a broken repository answer an error status instead of a cut stream.
 */
export function advertiseRefs(
  dir: string,
  service: GitService,
  gitProtocol: string | undefined,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const child = spawn('git', [subcommand(service), '--stateless-rpc', '--advertise-refs', dir], {
      env: serviceEnv(service, gitProtocol),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      if (code !== 0) return resolve(undefined);
      const head = isV2(service, gitProtocol) ? [] : [dataPacket(`# service=${service}\n`), FLUSH];
      resolve(Buffer.concat([...head, ...chunks]));
    });
  });
}

/** POST git-upload-pack / git-receive-pack: the caller pipes the request in and the result out. */
export function startService(
  dir: string,
  service: GitService,
  gitProtocol: string | undefined,
): { child: GitProcess; exited: Promise<number> } {
  const child = spawn('git', [subcommand(service), '--stateless-rpc', dir], {
    env: serviceEnv(service, gitProtocol),
    // stderr: receive-pack's hook and error output also goes to the client on side-band 2;
    // what reaches stderr is git's own complaint, which we do not relay.
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code ?? -1));
  });
  return { child, exited };
}
