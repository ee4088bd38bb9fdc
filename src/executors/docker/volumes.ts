import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** One `[runners.docker] volumes` entry, parsed (`docker run -v` syntax). */
export type VolumeEntry =
  /** `/cache`: a cache-style volume, kept across jobs of the project (GitLab semantics). */
  | { readonly kind: 'cache'; readonly target: string }
  /** `/host/path:/ctr[:ro|rw]`: a bind mount, e.g. `/var/run/docker.sock:/var/run/docker.sock`. */
  | {
      readonly kind: 'bind';
      readonly source: string;
      readonly target: string;
      readonly mode?: string;
    }
  /** `name:/ctr[:ro|rw]`: an existing or auto-created named volume. */
  | {
      readonly kind: 'named';
      readonly source: string;
      readonly target: string;
      readonly mode?: string;
    };

export type VolumeParse =
  | { readonly ok: true; readonly entry: VolumeEntry }
  | { readonly ok: false; readonly message: string };

const MODES =
  /^(ro|rw|z|Z|nocopy|r?shared|r?slave|r?private)(,(ro|rw|z|Z|nocopy|r?shared|r?slave|r?private))*$/;

export function parseVolume(spec: string): VolumeParse {
  const parts = spec.split(':');
  const bad = (why: string): VolumeParse => ({
    ok: false,
    message: `invalid volume "${spec}": ${why} (expected /path, /host:/container[:ro] or name:/container[:ro])`,
  });
  if (parts.some((part) => part === '')) return bad('empty part');
  if (parts.length === 1) {
    const target = parts[0] ?? '';
    if (!target.startsWith('/')) return bad('a container path must be absolute');
    return { ok: true, entry: { kind: 'cache', target: posix.normalize(target) } };
  }
  if (parts.length > 3) return bad('too many ":"');
  const [source = '', target = '', mode] = parts;
  if (!target.startsWith('/')) return bad('the container path must be absolute');
  if (mode !== undefined && !MODES.test(mode)) return bad(`unknown mode "${mode}"`);
  const kind = source.startsWith('/') ? 'bind' : 'named';
  if (kind === 'named' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source)) {
    return bad('a volume name may contain letters, digits, "_", "." and "-"');
  }
  return {
    ok: true,
    entry: {
      kind,
      source,
      target: posix.normalize(target),
      ...(mode === undefined ? {} : { mode }),
    },
  };
}

/** What the executor must create and mount for the configured volumes. */
export interface VolumePlan {
  /** `docker run -v` entries for the build container (and services). */
  readonly binds: readonly string[];
  /** Volumes to create before the containers; `temporary` ones are removed at cleanup. */
  readonly create: readonly { readonly name: string; readonly temporary: boolean }[];
  /** Job-log warnings (GitLab's wording), e.g. for cache volumes skipped by `disable_cache`. */
  readonly warnings: readonly string[];
}

export interface VolumePlanInput {
  readonly entries: readonly VolumeEntry[];
  readonly disableCache: boolean;
  readonly cacheDir: string | undefined;
  /** `runner-<short>-project-<id>-concurrent-<n>`: the cache volumes' prefix. */
  readonly cachePrefix: string;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** `runner-…-cache-<md5(path)>`, GitLab's pre-18.4 naming (readable, stable per project slot). */
export function cacheVolumeName(prefix: string, target: string): string {
  return `${prefix}-cache-${md5(target)}`;
}

/**
 * `<cache_dir>/<runner-…-concurrent-n>/<md5(path)>`: where GitLab puts a cache-style volume when
 * `cache_dir` is set (a relative `cache_dir` is taken from the working directory, as GitLab does).
 */
export function cacheDirPath(cacheDir: string, prefix: string, target: string): string {
  return posix.resolve(cacheDir, prefix, md5(target));
}

function withMode(source: string, target: string, mode: string | undefined): string {
  return mode === undefined ? `${source}:${target}` : `${source}:${target}:${mode}`;
}

/**
 * GitLab's volumes manager: binds pass through; a cache-style entry (`/cache`) becomes the
 * project slot's persistent volume, or a host directory under `cache_dir`; with `disable_cache`
 * it gets no volume at all (the path is then an ordinary directory of the container) and the
 * job log says so.
 */
export function planVolumes(input: VolumePlanInput): VolumePlan {
  const binds: string[] = [];
  const create: { name: string; temporary: boolean }[] = [];
  const warnings: string[] = [];
  for (const entry of input.entries) {
    if (entry.kind !== 'cache') {
      binds.push(withMode(entry.source, entry.target, entry.mode));
    } else if (input.disableCache) {
      warnings.push(
        `Container based cache volumes creation is disabled. Will not create volume for "${entry.target}"`,
      );
    } else if (input.cacheDir !== undefined && input.cacheDir !== '') {
      binds.push(
        `${cacheDirPath(input.cacheDir, input.cachePrefix, entry.target)}:${entry.target}`,
      );
    } else {
      const name = cacheVolumeName(input.cachePrefix, entry.target);
      create.push({ name, temporary: false });
      binds.push(`${name}:${entry.target}`);
    }
  }
  return { binds, create, warnings };
}
