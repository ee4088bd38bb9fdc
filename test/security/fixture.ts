import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  Cleanup,
  RegistryApi,
  buildCli,
  docker,
  gitRepo,
  localRegistry,
  loginConfig,
  managedContainers,
  pushImage,
  randomName,
  registryFlags,
  runExec,
  type ExecRun,
  type Registry,
} from '../support/exec-cli.js';

/**
 * The exploit corpus's common ground: seed setup 1's runner (host socket, allowed_images
 * restricted to one builder image) and a builder image of setup 1's shape: a shell-form
 * ENTRYPOINT that ignores the command the runner passes. Here the entrypoint only says it ran,
 * which is all a policy test needs; examples/builder and test/e2e cover the real build-and-push.
 * Each corpus file gets its own registry namespace, removed (with every image, temp dir and
 * cache volume) when the file ends.
 */

export const BUILDER_MARKER = 'builder entrypoint ran';

export interface Corpus {
  readonly cleanup: Cleanup;
  readonly registry: Registry;
  readonly api: RegistryApi;
  /** `127.0.0.1:5000/<namespace>`. */
  readonly prefix: string;
  readonly namespace: string;
  /** Env for host-side `docker push` (a throw-away login). */
  readonly pushEnv: Record<string, string>;
}

export function openCorpus(name: string): Corpus {
  const cleanup = new Cleanup();
  cleanup.watchCacheVolumes();
  const registry = localRegistry();
  buildCli();
  const namespace = randomName(`dockhand-sec-${name}`);
  cleanup.imagesUnder(`${registry.host}/${namespace}/`);
  return {
    cleanup,
    registry,
    api: new RegistryApi(registry),
    prefix: `${registry.host}/${namespace}`,
    namespace,
    pushEnv: loginConfig(registry, cleanup),
  };
}

/**
 * Builds `<prefix>/<repository>:<tag>` locally (removed at cleanup) and pushes it; returns the
 * manifest digest. `entrypoint` is a shell-form ENTRYPOINT (setup 1's builder shape).
 */
export async function pushBuilder(
  corpus: Corpus,
  repository: string,
  tag = 'latest',
  entrypoint = `echo "${BUILDER_MARKER}"`,
): Promise<string> {
  const ref = `${corpus.prefix}/${repository}:${tag}`;
  corpus.cleanup.image(ref);
  execFileSync('docker', ['build', '-q', '-t', ref, '-'], {
    input: `FROM busybox:latest\nENTRYPOINT ${entrypoint}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  corpus.cleanup.registryTag(corpus.api, `${corpus.namespace}/${repository}`, tag);
  pushImage(ref, corpus.pushEnv);
  const digest = await corpus.api.digest(`${corpus.namespace}/${repository}`, tag);
  if (digest === undefined) throw new Error(`${ref} was pushed but the registry does not know it`);
  return digest;
}

/** Pushes a plain copy of busybox as `<prefix>/<repository>:<tag>` (other content, same name). */
export function pushOtherContent(corpus: Corpus, repository: string, tag = 'latest'): string {
  const ref = `${corpus.prefix}/${repository}:${tag}`;
  corpus.cleanup.image(ref);
  docker('tag', 'busybox:latest', ref);
  corpus.cleanup.registryTag(corpus.api, `${corpus.namespace}/${repository}`, tag);
  pushImage(ref, corpus.pushEnv);
  return ref;
}

export interface RunnerOptions {
  readonly allowedImages: readonly string[];
  readonly allowedServices?: readonly string[];
  /** The runner's default image (setup 1: "ubuntu", absent here; exempt from allowed_images). */
  readonly image?: string;
  readonly pullPolicy?: readonly string[];
}

const list = (items: readonly string[]): string => `[${items.map((i) => `"${i}"`).join(', ')}]`;

/** Seed setup 1's config.toml (plus tag_list), with this corpus's names. Returns its path. */
export function writeSetupOneConfig(corpus: Corpus, options: RunnerOptions): string {
  const lines = [
    'concurrent = 1',
    '',
    '[[runners]]',
    '  name = "docker-builder"',
    '  url = "https://gitlab.example.com/"',
    '  token = "xxxxxxxx"',
    '  executor = "docker"',
    '  tag_list = ["docker-builder"]',
    '  [runners.docker]',
    '    tls_verify = false',
    `    image = "${options.image ?? 'ubuntu'}"`,
    '    privileged = false',
    '    disable_cache = false',
    '    volumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock"]',
    '    shm_size = 0',
    `    allowed_images = ${list(options.allowedImages)}`,
    ...(options.allowedServices === undefined
      ? []
      : [`    allowed_services = ${list(options.allowedServices)}`]),
    ...(options.pullPolicy === undefined ? [] : [`    pull_policy = ${list(options.pullPolicy)}`]),
    '  [runners.cache]',
    '',
  ];
  const file = join(corpus.cleanup.tempDir('dockhand-sec-config-'), 'config.toml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

export function corpusRepo(corpus: Corpus, pipeline: string): string {
  return gitRepo(corpus.cleanup, 'dockhand-sec-', { '.gitlab-ci.yml': pipeline });
}

/** Runs one job of the corpus with the registry flags (so `always` can pull from it). */
export function runCase(corpus: Corpus, repo: string, job: string, config: string): ExecRun {
  return runExec(repo, [job, '--config', config, ...registryFlags(corpus.registry)]);
}

/**
 * A job the policy must refuse: exit 1, the expected message in the log, the job's script never
 * ran, and no container was created (engine event history) or left (`docker ps -a`, label
 * dev.dockhand.managed=true, before and after).
 */
export function expectRefused(run: () => ExecRun, message: string | RegExp): ExecRun {
  const before = managedContainers();
  const r = run();
  const after = managedContainers();
  expect(r.code, r.stdout + r.stderr).toBe(1);
  if (typeof message === 'string') expect(r.stdout, r.stderr).toContain(message);
  else expect(r.stdout, r.stderr).toMatch(message);
  expect(r.stdout).not.toContain('Executing "step_script" stage');
  expect(r.stdout).not.toContain(BUILDER_MARKER);
  expect(r.containersCreated).toEqual([]);
  // Other processes (a parallel test run) may create containers meanwhile: only this run's count.
  const known = new Set(before.map((c) => c.name));
  expect(after.filter((c) => !known.has(c.name) && c.pid === String(r.pid))).toEqual([]);
  return r;
}
