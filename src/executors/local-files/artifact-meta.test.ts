import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiryOf, pruneExpired, readMeta, writeMeta } from './artifact-meta.js';

const DAY = 86_400_000;

describe('artifact expiry', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads expire_in as GitLab does: never (any case), a duration, else 30 days', () => {
    expect(expiryOf('never', 0)).toBeNull();
    expect(expiryOf('NEVER', 0)).toBeNull();
    expect(expiryOf('2 hrs 20 min', 1000)).toBe(1000 + 8_400_000);
    expect(expiryOf(undefined, 0)).toBe(30 * DAY);
  });

  it('removes expired artifacts, keeps the rest, and leaves a tombstone', () => {
    const root = mkdtempSync(join(tmpdir(), 'dockhand-meta-'));
    dirs.push(root);
    const pipeline = join(root, '1');
    for (const job of ['old', 'fresh', 'forever']) {
      mkdirSync(join(pipeline, job), { recursive: true });
      writeFileSync(join(pipeline, job, 'file'), job);
    }
    const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const saved = new Date(0).toISOString();
    writeMeta(pipeline, 'old', {
      job: 'old',
      savedAt: saved,
      expireAt: at(DAY),
      dotenv: [{ key: 'A', value: '1' }],
    });
    writeMeta(pipeline, 'fresh', { job: 'fresh', savedAt: saved, expireAt: at(3 * DAY) });
    writeMeta(pipeline, 'forever', { job: 'forever', savedAt: saved, expireAt: null });

    expect(pruneExpired(root, 2 * DAY)).toEqual(['1/old']);
    expect(existsSync(join(pipeline, 'old'))).toBe(false);
    expect(readMeta(pipeline, 'old')).toMatchObject({ expired: true });
    expect(readMeta(pipeline, 'old')?.dotenv).toBeUndefined();
    expect(existsSync(join(pipeline, 'fresh', 'file'))).toBe(true);
    expect(pruneExpired(root, 1000 * DAY)).toEqual(['1/fresh']);
    expect(existsSync(join(pipeline, 'forever', 'file'))).toBe(true);
  });
});
