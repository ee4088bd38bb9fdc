import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { UsageError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import { tarDirectory } from './host-command.js';
import { SEED_ALIASES, SEED_RECIPES, type SeedRecipe } from './recipes.js';
import { buildBusyboxRootfs, copyTree, debootstrapRootfs, installPackages } from './rootfs.js';

/** Label that records which recipe built an image, so a changed recipe triggers a rebuild. */
export const RECIPE_LABEL = 'dev.dockhand.seed.recipe';

export interface SeedOptions {
  readonly engine: Engine;
  readonly logger: Logger;
  /** Where root filesystems and downloaded packages are kept between runs. */
  readonly cacheDir: string;
  /** Debian mirror for debootstrap and packages. */
  readonly mirror: string;
  /** Path of the busybox-static binary. */
  readonly busybox: string;
  /** Rebuild images even when they are present and current. */
  readonly force: boolean;
  /** Only these tags (and what they build on); all when empty. */
  readonly only: readonly string[];
  readonly signal?: AbortSignal;
}

export type SeedOutcome =
  | {
      readonly tag: string;
      readonly action: 'built';
      readonly id: string;
      readonly seconds: number;
    }
  | { readonly tag: string; readonly action: 'current'; readonly id: string }
  /** Present but not built by dockhand (e.g. pulled by the user): never overwritten. */
  | { readonly tag: string; readonly action: 'kept'; readonly id: string };

const assetsDir = new URL('../../assets/images/', import.meta.url);

async function asset(name: string): Promise<string> {
  return readFile(new URL(name, assetsDir), 'utf8');
}

/** A digest of everything that shapes an image: its recipe and the scripts baked into it. */
export async function recipeDigest(recipe: SeedRecipe): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(recipe));
  if (recipe.kind === 'docker-cli') hash.update(await asset('docker-entrypoint.sh'));
  if (recipe.kind === 'dind') hash.update(await asset('dockerd-entrypoint.sh'));
  return hash.digest('hex').slice(0, 16);
}

function selectRecipes(only: readonly string[]): SeedRecipe[] {
  if (only.length === 0) return [...SEED_RECIPES];
  const unknown = only.filter((tag) => !SEED_RECIPES.some((r) => r.tag === tag));
  if (unknown.length > 0) {
    throw new UsageError(`no seed recipe for ${unknown.join(', ')}`, {
      hint: `seedable images: ${SEED_RECIPES.map((r) => r.tag).join(', ')}`,
    });
  }
  // An image needs the ones it builds on: keep the recipe order up to the last one asked for.
  const last = Math.max(...only.map((tag) => SEED_RECIPES.findIndex((r) => r.tag === tag)));
  const needed = new Set(only);
  if (needed.has('docker:dind')) needed.add('docker:latest');
  return SEED_RECIPES.slice(0, last + 1).filter((r) => needed.has(r.tag));
}

/**
 * Builds the offline base images that are missing or whose recipe changed. Images present
 * without dockhand's recipe label belong to the user and are kept as they are.
 */
export async function seedImages(options: SeedOptions): Promise<SeedOutcome[]> {
  const outcomes: SeedOutcome[] = [];
  for (const recipe of selectRecipes(options.only)) {
    options.signal?.throwIfAborted();
    const digest = await recipeDigest(recipe);
    const present = await options.engine.inspectImage(recipe.tag);
    if (present !== undefined && !options.force) {
      const label = present.labels[RECIPE_LABEL];
      if (label === undefined) {
        outcomes.push({ tag: recipe.tag, action: 'kept', id: present.id });
        options.logger.info(`${recipe.tag}: present (not built by dockhand), kept`);
        continue;
      }
      if (label === digest) {
        outcomes.push({ tag: recipe.tag, action: 'current', id: present.id });
        options.logger.info(`${recipe.tag}: present and current`);
        continue;
      }
    }
    const started = Date.now();
    options.logger.info(`${recipe.tag}: building ${recipe.summary} (about ${recipe.estimate})...`);
    const id = await build(recipe, digest, options);
    for (const alias of SEED_ALIASES[recipe.tag] ?? [])
      await options.engine.tagImage(recipe.tag, alias);
    const seconds = (Date.now() - started) / 1000;
    options.logger.info(`${recipe.tag}: built ${id.slice(0, 19)} in ${seconds.toFixed(1)} s`);
    outcomes.push({ tag: recipe.tag, action: 'built', id, seconds });
  }
  return outcomes;
}

async function build(recipe: SeedRecipe, digest: string, options: SeedOptions): Promise<string> {
  const label = `LABEL ${RECIPE_LABEL}=${digest}`;
  switch (recipe.kind) {
    case 'busybox':
      return withTemp(async (dir) => {
        await buildBusyboxRootfs(dir, options.busybox);
        return importDir(options, dir, recipe.tag, [
          'CMD ["sh"]',
          'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          label,
        ]);
      });
    case 'debian': {
      const root = await debianRootfs(options, true);
      return importDir(options, root, recipe.tag, [
        'CMD ["bash"]',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        label,
      ]);
    }
    case 'docker-cli':
      return buildDockerCli(recipe, label, options);
    case 'dind':
      return buildDind(recipe, digest, options);
  }
}

/** The cached Debian rootfs, made with debootstrap when missing (or when forced). */
async function debianRootfs(options: SeedOptions, rebuildWhenForced: boolean): Promise<string> {
  const root = join(options.cacheDir, 'debian-bookworm');
  const marker = join(options.cacheDir, 'debian-bookworm.done');
  const ready = await access(marker).then(
    () => true,
    () => false,
  );
  if (ready && !(options.force && rebuildWhenForced)) return root;
  await rm(marker, { force: true });
  await mkdir(options.cacheDir, { recursive: true });
  options.logger.progress('  debootstrap bookworm (minbase)...');
  await debootstrapRootfs(root, options.mirror, progressLines(options), options.signal);
  await writeFile(marker, new Date().toISOString());
  return root;
}

async function buildDockerCli(
  recipe: SeedRecipe,
  label: string,
  options: SeedOptions,
): Promise<string> {
  const base = await debianRootfs(options, false);
  const root = join(options.cacheDir, 'docker-latest');
  options.logger.progress('  copying the Debian rootfs...');
  await copyTree(base, root);
  options.logger.progress(`  installing ${recipe.packages.join(', ')}...`);
  await installPackages(
    root,
    recipe.packages,
    join(options.cacheDir, 'debs'),
    progressLines(options),
    options.signal,
  );
  await mkdir(join(root, 'usr/local/bin'), { recursive: true });
  const entrypoint = join(root, 'usr/local/bin/docker-entrypoint.sh');
  await writeFile(entrypoint, await asset('docker-entrypoint.sh'), { mode: 0o755 });
  try {
    return await importDir(options, root, recipe.tag, [
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["sh"]',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      label,
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function buildDind(
  recipe: SeedRecipe,
  digest: string,
  options: SeedOptions,
): Promise<string> {
  return withTemp(async (dir) => {
    await writeFile(join(dir, 'dockerd-entrypoint.sh'), await asset('dockerd-entrypoint.sh'), {
      mode: 0o755,
    });
    await writeFile(
      join(dir, 'Dockerfile'),
      [
        'FROM docker:latest',
        'COPY dockerd-entrypoint.sh /usr/local/bin/dockerd-entrypoint.sh',
        'ENV DOCKER_TLS_CERTDIR=',
        'VOLUME /var/lib/docker',
        'EXPOSE 2375',
        'ENTRYPOINT ["dockerd-entrypoint.sh"]',
        'CMD []',
        '',
      ].join('\n'),
    );
    const tar = tarDirectory(dir, options.signal);
    const [id] = await Promise.all([
      options.engine.buildImage(
        tar.stream,
        { tag: recipe.tag, networkMode: 'none', labels: { [RECIPE_LABEL]: digest } },
        progressLines(options),
      ),
      tar.done,
    ]);
    return id;
  });
}

async function importDir(
  options: SeedOptions,
  dir: string,
  tag: string,
  changes: string[],
): Promise<string> {
  options.logger.progress(`  importing ${tag} into the engine...`);
  const tar = tarDirectory(dir, options.signal);
  const [id] = await Promise.all([
    options.engine.importImage(tar.stream, { tag, changes }),
    tar.done,
  ]);
  return id;
}

async function withTemp<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'dockhand-seed-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Forwards the informative lines of debootstrap/apt/dpkg/build output as progress. */
function progressLines(options: SeedOptions): (line: string) => void {
  return (line) => {
    const text = line.trim();
    if (
      /^(I: Retrieving|I: Extracting|I: Installing|I: Configuring|I: Base system|Unpacking|Setting up|Step \d+\/\d+)/.test(
        text,
      )
    ) {
      options.logger.progress(`  ${text}`);
    }
  };
}
