import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChronicDuration } from '../../core/chronic-duration.js';
import type { DotenvVariable } from '../../protocol/dotenv-report.js';

/**
 * What a local pipeline records beside a job's artifacts, in
 * `.dockhand/artifacts/<pipeline>/.meta/<job>.json` (job directories never start with a dot, so
 * the names cannot meet): when they expire (`artifacts:expire_in`) and the variables of its
 * dotenv report. Once expired, the artifacts are removed and the record stays as a tombstone, so
 * a job that needs them fails the way GitLab fails it instead of running without them.
 */
export interface ArtifactMeta {
  readonly job: string;
  readonly savedAt: string;
  /** ISO time; null for `expire_in: never`. */
  readonly expireAt: string | null;
  readonly dotenv?: readonly DotenvVariable[];
  /** The artifacts were removed at their expiry. */
  readonly expired?: true;
}

/** GitLab's default expiry when a job sets none (instance setting, 30 days by default). */
export const DEFAULT_EXPIRE_IN = '30 days';
const META_DIR = '.meta';

/** When artifacts saved at `savedAt` (ms) expire: null for never. */
export function expiryOf(expireIn: string | undefined, savedAt: number): number | null {
  const text = expireIn ?? DEFAULT_EXPIRE_IN;
  if (text.trim().toLowerCase() === 'never') return null;
  // The pipeline was checked when it was read; an unreadable value here keeps the artifacts.
  const seconds = parseChronicDuration(text);
  return seconds === undefined ? null : savedAt + seconds * 1000;
}

function metaFile(pipelineDir: string, safeJob: string): string {
  return join(pipelineDir, META_DIR, `${safeJob}.json`);
}

export function readMeta(pipelineDir: string, safeJob: string): ArtifactMeta | undefined {
  const file = metaFile(pipelineDir, safeJob);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ArtifactMeta;
  } catch {
    // A record cut short by a crash: as if there were none.
    return undefined;
  }
}

export function writeMeta(pipelineDir: string, safeJob: string, meta: ArtifactMeta): void {
  mkdirSync(join(pipelineDir, META_DIR), { recursive: true });
  writeFileSync(metaFile(pipelineDir, safeJob), `${JSON.stringify(meta)}\n`);
}

/**
 * Removes the artifacts (files and dotenv variables) whose expiry passed, under every pipeline
 * of `artifactsRoot`, leaving tombstones. Returns `<pipeline>/<job>` of each one removed.
 */
export function pruneExpired(artifactsRoot: string, now: number): string[] {
  if (!existsSync(artifactsRoot)) return [];
  const removed: string[] = [];
  for (const pipeline of readdirSync(artifactsRoot).filter((n) => /^\d+$/.test(n))) {
    const pipelineDir = join(artifactsRoot, pipeline);
    const metaDir = join(pipelineDir, META_DIR);
    if (!existsSync(metaDir)) continue;
    for (const name of readdirSync(metaDir).filter((n) => n.endsWith('.json'))) {
      const safeJob = name.slice(0, -'.json'.length);
      const meta = readMeta(pipelineDir, safeJob);
      if (meta === undefined || meta.expired === true || meta.expireAt === null) continue;
      if (Date.parse(meta.expireAt) > now) continue;
      rmSync(join(pipelineDir, safeJob), { recursive: true, force: true });
      const { dotenv: _dropped, ...rest } = meta;
      writeMeta(pipelineDir, safeJob, { ...rest, expired: true });
      removed.push(`${pipeline}/${meta.job}`);
    }
  }
  return removed;
}
