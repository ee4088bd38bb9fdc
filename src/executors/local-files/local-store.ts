import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pruneExpired, readMeta, writeMeta, type ArtifactMeta } from './artifact-meta.js';

/** A file-system-safe name: GitLab job names and cache keys may hold spaces, `/`, `:`, `[`. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '') || '_';
}

/** A job's artifacts as a later job finds them. */
export interface StoredArtifacts {
  readonly pipelineId: number;
  /** The files; undefined when the job saved none (only a report) or they expired. */
  readonly dir?: string;
  /** Expiry and dotenv variables (jobs saved before dockhand recorded them have none). */
  readonly meta?: ArtifactMeta;
  /** Their `expire_in` passed: GitLab fails a job that needs them. */
  readonly expired: boolean;
}

/**
 * Where a local pipeline keeps artifacts and caches, under the project's `.dockhand/`:
 * `artifacts/<pipeline>/<job>/` (one directory per pipeline run, numbered) and `cache/<key>/`
 * (shared by every run, as a runner's local cache is). Contents are plain directory trees: no
 * archive to build or unpack.
 */
export class LocalStore {
  readonly pipelineId: number;
  private readonly artifactsRoot: string;
  private readonly cacheRoot: string;
  private readonly scheduled = new Set<string>();

  constructor(readonly stateDir: string) {
    this.artifactsRoot = join(stateDir, 'artifacts');
    this.cacheRoot = join(stateDir, 'cache');
    mkdirSync(this.artifactsRoot, { recursive: true });
    const previous = this.pipelines();
    // mkdir without recursive fails when another run took the number first: take the next one.
    let id = (previous[0] ?? 0) + 1;
    for (;;) {
      try {
        mkdirSync(join(this.artifactsRoot, String(id)));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        id += 1;
      }
    }
    this.pipelineId = id;
  }

  /** Earlier pipeline numbers, newest first. */
  private pipelines(): number[] {
    if (!existsSync(this.artifactsRoot)) return [];
    return readdirSync(this.artifactsRoot)
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => b - a);
  }

  /**
   * Jobs of this pipeline run: their artifacts come from this run only, never from an earlier
   * one (a job that failed before uploading has none).
   */
  schedule(jobNames: Iterable<string>): void {
    for (const name of jobNames) this.scheduled.add(name);
  }

  /** This pipeline's artifact directory for a job (it may not exist yet). */
  artifactsDir(jobName: string): string {
    return join(this.artifactsRoot, String(this.pipelineId), safeName(jobName));
  }

  /**
   * The newest artifacts of a job: this pipeline's, else those of the latest earlier run that
   * has them (a job named alone downloads what its dependencies made last time) unless the job
   * is part of this run. `now` (ms) decides expiry.
   */
  artifactsOf(jobName: string, now: number = Date.now()): StoredArtifacts | undefined {
    const here = this.scheduled.has(jobName);
    const job = safeName(jobName);
    for (const id of this.pipelines()) {
      if (id > this.pipelineId || (here && id !== this.pipelineId)) continue;
      const pipelineDir = join(this.artifactsRoot, String(id));
      const meta = readMeta(pipelineDir, job);
      const dir = join(pipelineDir, job);
      if (meta === undefined && !existsSync(dir)) continue;
      const expired =
        meta?.expired === true || (meta?.expireAt != null && Date.parse(meta.expireAt) <= now);
      return {
        pipelineId: id,
        ...(expired || !existsSync(dir) ? {} : { dir }),
        ...(meta === undefined ? {} : { meta }),
        expired,
      };
    }
    return undefined;
  }

  /** Records a job's artifact expiry and dotenv variables (this pipeline). */
  recordArtifacts(jobName: string, meta: Omit<ArtifactMeta, 'job'>): void {
    writeMeta(join(this.artifactsRoot, String(this.pipelineId)), safeName(jobName), {
      job: jobName,
      ...meta,
    });
  }

  /** Removes every expired artifact of earlier runs; returns `<pipeline>/<job>` of each. */
  pruneExpired(now: number = Date.now()): string[] {
    return pruneExpired(this.artifactsRoot, now);
  }

  cacheDir(key: string): string {
    return join(this.cacheRoot, safeName(key));
  }
}
