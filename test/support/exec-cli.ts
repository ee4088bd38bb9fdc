import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LABELS } from '../../src/core/labels.js';

/**
 * Helpers for engine-tier tests that drive the built CLI (`node bin/dockhand.js exec …`) on real
 * git repositories, with the registry of scripts/engine-up. Everything a test creates is recorded
 * in a Cleanup and removed in afterAll, also when the test failed.
 */

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin', 'dockhand.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Emits dist/ from the current sources (type errors are the typecheck tier's business). A stamp
 * with the newest source time skips the ~15 s compile when several files of the tier ask for it.
 */
export function buildCli(): void {
  const stamp = join(ROOT, 'dist', '.test-build-stamp');
  const newest = String(newestSource(join(ROOT, 'src')));
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && existsSync(stamp) && readFileSync(stamp, 'utf8') === newest) return;
  // Both halves of `npm run build`: bin/dockhand.js runs the bundle, as users do.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  spawnSync(process.execPath, ['scripts/bundle.js'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(main)) throw new Error('npm run build failed');
  writeFileSync(stamp, newest);
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** The registry scripts/engine-up started (/var/lib/dockhand/registry/env). */
export interface Registry {
  /** `127.0.0.1:5000`: from the host. */
  readonly host: string;
  /** `registry:5000`: from containers on `network`. */
  readonly internal: string;
  readonly network: string;
  readonly user: string;
  readonly passwordFile: string;
  readonly password: string;
}

/** Reads the registry coordinates; throws (the tier fails) when engine-up has not run. */
export function localRegistry(): Registry {
  const file = join(process.env['DOCKHAND_STATE_DIR'] ?? '/var/lib/dockhand', 'registry', 'env');
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/engine-up`);
  const env = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string | undefined>;
  const need = (key: string): string => {
    const value = env[key];
    if (value === undefined || value === '') throw new Error(`${file} has no ${key}`);
    return value;
  };
  const passwordFile = need('DOCKHAND_REGISTRY_PASSWORD_FILE');
  return {
    host: need('DOCKHAND_REGISTRY'),
    internal: need('DOCKHAND_REGISTRY_INTERNAL'),
    network: need('DOCKHAND_REGISTRY_NETWORK'),
    user: need('DOCKHAND_REGISTRY_USER'),
    passwordFile,
    password: readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, ''),
  };
}

/** The `--registry…` flags of `dockhand exec` for this registry, as seen from `host`. */
export function registryFlags(registry: Registry, host = registry.host): string[] {
  return [
    '--registry',
    host,
    '--registry-user',
    registry.user,
    '--registry-password-file',
    registry.passwordFile,
  ];
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** The registry's HTTP API v2 from the host, with basic auth. */
export class RegistryApi {
  constructor(private readonly registry: Registry) {}

  private request(path: string, init: RequestInit = {}): Promise<Response> {
    const auth = Buffer.from(`${this.registry.user}:${this.registry.password}`).toString('base64');
    return fetch(`http://${this.registry.host}/v2/${path}`, {
      ...init,
      headers: { Authorization: `Basic ${auth}`, Accept: MANIFEST_TYPES },
    });
  }

  async tags(repository: string): Promise<string[]> {
    const response = await this.request(`${repository}/tags/list`);
    if (response.status === 404) return [];
    if (!response.ok) throw new Error(`GET tags of ${repository}: HTTP ${response.status}`);
    const body = (await response.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  async digest(repository: string, tag: string): Promise<string | undefined> {
    const response = await this.request(`${repository}/manifests/${tag}`, { method: 'HEAD' });
    return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
  }

  /** Deletes the manifest a tag points to (its other tags go with it); missing is fine. */
  async deleteTag(repository: string, tag: string): Promise<void> {
    const digest = await this.digest(repository, tag);
    if (digest === undefined) return;
    await this.request(`${repository}/manifests/${digest}`, { method: 'DELETE' });
  }
}

/** A throw-away docker client config logged in to the registry, for host-side pushes. */
export function loginConfig(registry: Registry, cleanup: Cleanup): Record<string, string> {
  const dir = cleanup.tempDir('dockhand-docker-config-');
  execFileSync(
    'docker',
    ['--config', dir, 'login', registry.host, '-u', registry.user, '--password-stdin'],
    { input: registry.password, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  return { DOCKER_CONFIG: dir };
}

export function pushImage(ref: string, env: Record<string, string>): void {
  execFileSync('docker', ['push', ref], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Records what a test creates and removes it all (best effort, in reverse order). */
export class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private cacheVolumesBefore: Set<string> | undefined;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.add(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  image(ref: string): void {
    this.add(() => {
      spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    });
  }

  /**
   * Every local reference (`repo:tag`, `repo@digest`) under `prefix` (e.g. `127.0.0.1:5000/ns/`),
   * removed by reference, never by id: a re-tagged busybox must lose the tag, not its content.
   * Catches images a pull left behind when their tag moved on (dangling, digest only).
   */
  imagesUnder(prefix: string): void {
    this.add(() => {
      const out = docker(
        'image',
        'ls',
        '--digests',
        '--format',
        '{{.Repository}}\t{{.Tag}}\t{{.Digest}}',
      );
      const refs = out
        .split('\n')
        .map((line) => line.split('\t'))
        .filter(([repository = '']) => repository.startsWith(prefix))
        .flatMap(([repository, tag, digest]) => [
          ...(tag === undefined || tag === '<none>' ? [] : [`${repository}:${tag}`]),
          ...(digest === undefined || digest === '<none>' ? [] : [`${repository}@${digest}`]),
        ]);
      for (const ref of refs) spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
    });
  }

  registryTag(api: RegistryApi, repository: string, tag: string): void {
    this.add(() => api.deleteTag(repository, tag));
  }

  /**
   * Jobs with `/cache` in `volumes` create a persistent per-project cache volume (it outlives the
   * job by design, so it carries no owner label). Remember the ones that exist now; run() removes
   * those created since.
   */
  watchCacheVolumes(): void {
    this.cacheVolumesBefore = new Set(cacheVolumes());
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    this.steps.length = 0;
    if (this.cacheVolumesBefore !== undefined) {
      const before = this.cacheVolumesBefore;
      const created = cacheVolumes().filter((name) => !before.has(name));
      if (created.length > 0)
        spawnSync('docker', ['volume', 'rm', ...created], { stdio: 'ignore' });
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }
}

function cacheVolumes(): string[] {
  const out = docker('volume', 'ls', '-q', '--filter', `label=${LABELS.type}=cache`);
  return out === '' ? [] : out.split('\n');
}

/** A git repository in a temp dir with `files` committed on `main`. */
export function gitRepo(cleanup: Cleanup, prefix: string, files: Record<string, string>): string {
  const repo = cleanup.tempDir(prefix);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  const git = (...args: string[]) =>
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      ...args,
    ]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'init');
  return repo;
}

export interface ExecRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The dockhand process: its containers carry `dev.dockhand.pid=<pid>`. */
  readonly pid: number;
  /** Container names the run created (from the engine's event history). */
  readonly containersCreated: readonly string[];
}

/** Runs `dockhand exec ARGS` in `repo`, without this machine's config.toml or docker login. */
export function runExec(repo: string, args: readonly string[]): ExecRun {
  const since = Date.now() / 1000 - 1;
  const r = spawnSync('node', [CLI, 'exec', '--cwd', repo, ...args], {
    encoding: 'utf8',
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', CONFIG_FILE: '', HOME: repo },
    timeout: 240_000,
  });
  const until = Date.now() / 1000 + 0.05;
  // The engine keeps an event history: a container created and removed again during the run
  // still shows up, which `docker ps -a` after the run cannot prove.
  const events = docker(
    'events',
    '--since',
    since.toFixed(3),
    '--until',
    until.toFixed(3),
    '--filter',
    'type=container',
    '--filter',
    'event=create',
    '--filter',
    `label=${LABELS.pid}=${r.pid}`,
    '--format',
    '{{.Actor.Attributes.name}}',
  );
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    pid: r.pid ?? 0,
    containersCreated: events === '' ? [] : events.split('\n'),
  };
}

/** A dockhand-managed container that exists (running or not), with its creator's pid label. */
export interface ManagedContainer {
  readonly name: string;
  readonly pid: string;
}

/** `docker ps -a --filter label=dev.dockhand.managed=true`. */
export function managedContainers(): ManagedContainer[] {
  const out = docker(
    'ps',
    '-a',
    '--filter',
    `label=${LABELS.managed}=true`,
    '--format',
    `{{.Names}}\t{{.Label "${LABELS.pid}"}}`,
  );
  if (out === '') return [];
  return out.split('\n').map((line) => {
    const [name = '', pid = ''] = line.split('\t');
    return { name, pid };
  });
}

/** A lower-case random suffix for image namespaces and names (image names must be lower case). */
export function randomName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
