import { cacheDirPath, cacheVolumeName } from './volumes.js';

/**
 * Where a job's builds directory (`/builds`) lives, GitLab's `createBuildVolume`
 * (shared/reference/gitlab-runner.md §2.6):
 *
 * - `persistent`: GIT_STRATEGY=fetch on a runner job — the project slot's cache volume
 *   (`runner-<short>-project-<id>-concurrent-<n>-cache-<md5(/builds)>`), kept for the next job
 *   of the slot so `git fetch` reuses the previous checkout;
 * - `host`: the same with `cache_dir` set — a host directory `<cache_dir>/<slot>/<md5(/builds)>`;
 * - `temporary`: clone/none/empty, `disable_cache`, or a local run — a per-job named volume,
 *   removed at cleanup (named because services mount it too);
 * - `anonymous`: a temporary volume without services — created with the build container and
 *   removed with it (`docker rm -v`), two engine round trips fewer than a named one;
 * - `configured`: `[runners.docker] volumes` already mounts something at the builds dir (GitLab
 *   then creates no builds volume either).
 */
export type BuildsVolume =
  | { readonly kind: 'persistent'; readonly name: string }
  | { readonly kind: 'host'; readonly path: string }
  | { readonly kind: 'temporary'; readonly name: string }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'configured' };

export interface BuildsVolumeInput {
  /** GIT_STRATEGY as the job sees it (GitLab's default: fetch). */
  readonly strategy: string;
  /**
   * A local run (`dockhand exec`): the sources are a fresh copy of the local repository's HEAD,
   * so nothing is gained by keeping the volume (see docs/configuration.md, GIT_STRATEGY).
   */
  readonly local: boolean;
  readonly disableCache: boolean;
  readonly cacheDir: string | undefined;
  readonly buildsDir: string;
  /** `runner-<short>-project-<id>-concurrent-<n>` with the slot this job holds. */
  readonly slotName: string;
  /** Unique per job, for a temporary named volume. */
  readonly jobPrefix: string;
  /** Whether other containers than the build and helper mount it (services). */
  readonly shared: boolean;
  /** Container paths of the configured `volumes` entries. */
  readonly configuredTargets: readonly string[];
}

export function planBuildsVolume(input: BuildsVolumeInput): BuildsVolume {
  if (input.configuredTargets.includes(input.buildsDir)) return { kind: 'configured' };
  const keep = input.strategy === 'fetch' && !input.local && !input.disableCache;
  if (keep) {
    return input.cacheDir !== undefined && input.cacheDir !== ''
      ? { kind: 'host', path: cacheDirPath(input.cacheDir, input.slotName, input.buildsDir) }
      : { kind: 'persistent', name: cacheVolumeName(input.slotName, input.buildsDir) };
  }
  return input.shared
    ? { kind: 'temporary', name: `${input.jobPrefix}-builds` }
    : { kind: 'anonymous' };
}

/** The `-v` entry mounting the builds volume, or undefined for an anonymous one. */
export function buildsBind(volume: BuildsVolume, buildsDir: string): string | undefined {
  switch (volume.kind) {
    case 'persistent':
    case 'temporary':
      return `${volume.name}:${buildsDir}`;
    case 'host':
      return `${volume.path}:${buildsDir}`;
    case 'anonymous':
    case 'configured':
      return undefined;
  }
}

/**
 * The persistent builds volumes in use in this process, so that two concurrent jobs of one
 * project never share a checkout: a job whose slot is taken moves to the next free concurrency
 * number, as GitLab's `CI_CONCURRENT_PROJECT_ID` does. One per provider (one runner).
 */
export class BuildsSlots {
  private readonly held = new Set<string>();

  /** The first free slot at or above `from`; release it with the returned function. */
  take(
    slotFor: (concurrent: number) => string,
    from: number,
  ): { slot: string; release: () => void } {
    let n = from;
    while (this.held.has(slotFor(n))) n += 1;
    const slot = slotFor(n);
    this.held.add(slot);
    return { slot, release: () => this.held.delete(slot) };
  }
}

/** The named volume to create for it, if any. */
export function buildsVolumes(
  volume: BuildsVolume,
): { readonly name: string; readonly temporary: boolean }[] {
  if (volume.kind === 'persistent') return [{ name: volume.name, temporary: false }];
  if (volume.kind === 'temporary') return [{ name: volume.name, temporary: true }];
  return [];
}

/**
 * The builds volume of a job. A kept one first takes a free concurrency slot of this runner
 * (`slots`), so concurrent jobs of one project never share a checkout; `release` frees it when
 * the job is done.
 */
export function leaseBuildsVolume(
  slots: BuildsSlots,
  ctx: {
    readonly buildsDir: string;
    readonly slotName: string;
    readonly base: string;
    readonly concurrent: number;
    readonly slotFor: (concurrent: number) => string;
  },
  job: Omit<BuildsVolumeInput, 'buildsDir' | 'slotName' | 'jobPrefix'>,
): { readonly volume: BuildsVolume; readonly release: (() => void) | undefined } {
  const input = { ...job, buildsDir: ctx.buildsDir, slotName: ctx.slotName, jobPrefix: ctx.base };
  const first = planBuildsVolume(input);
  if (first.kind !== 'persistent' && first.kind !== 'host')
    return { volume: first, release: undefined };
  const lease = slots.take(ctx.slotFor, ctx.concurrent);
  return {
    volume: planBuildsVolume({ ...input, slotName: lease.slot }),
    release: lease.release,
  };
}
