import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A file-system-safe name: GitLab job names and cache keys may hold spaces, `/`, `:`, `[`. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '') || '_';
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
   * is part of this run.
   */
  artifactsOf(jobName: string): { readonly dir: string; readonly pipelineId: number } | undefined {
    const here = this.scheduled.has(jobName);
    for (const id of this.pipelines()) {
      if (id > this.pipelineId || (here && id !== this.pipelineId)) continue;
      const dir = join(this.artifactsRoot, String(id), safeName(jobName));
      if (existsSync(dir)) return { dir, pipelineId: id };
    }
    return undefined;
  }

  cacheDir(key: string): string {
    return join(this.cacheRoot, safeName(key));
  }
}
