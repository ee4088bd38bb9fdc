import { describe, expect, it } from 'vitest';
import { BuildsSlots, buildsBind, leaseBuildsVolume, planBuildsVolume } from './builds-volume.js';

describe('planBuildsVolume (GitLab createBuildVolume)', () => {
  const base = {
    strategy: 'fetch',
    local: false,
    disableCache: false,
    cacheDir: undefined,
    buildsDir: '/builds',
    slotName: 'runner-x-project-1-concurrent-0',
    jobPrefix: 'runner-x-project-1-concurrent-0-abcd1234',
    shared: false,
    configuredTargets: ['/cache'],
  };
  it('keeps the builds dir of a fetch job in the slot cache volume', () => {
    const volume = planBuildsVolume(base);
    expect(volume).toEqual({
      kind: 'persistent',
      name: 'runner-x-project-1-concurrent-0-cache-c33bcaa1fd2c77edfc3893b41966cea8',
    });
    expect(buildsBind(volume, '/builds')).toBe(
      'runner-x-project-1-concurrent-0-cache-c33bcaa1fd2c77edfc3893b41966cea8:/builds',
    );
  });
  it('puts it under cache_dir when set', () => {
    expect(planBuildsVolume({ ...base, cacheDir: '/srv/c' })).toEqual({
      kind: 'host',
      path: '/srv/c/runner-x-project-1-concurrent-0/c33bcaa1fd2c77edfc3893b41966cea8',
    });
  });
  it('is temporary for clone, none, disable_cache and local runs', () => {
    for (const extra of [
      { strategy: 'clone' },
      { strategy: 'none' },
      { disableCache: true },
      { local: true },
    ]) {
      expect(planBuildsVolume({ ...base, ...extra })).toEqual({ kind: 'anonymous' });
      expect(planBuildsVolume({ ...base, ...extra, shared: true })).toEqual({
        kind: 'temporary',
        name: `${base.jobPrefix}-builds`,
      });
    }
    expect(buildsBind({ kind: 'anonymous' }, '/builds')).toBeUndefined();
  });
  it('leaves the builds dir to a configured volume on it', () => {
    const volume = planBuildsVolume({ ...base, configuredTargets: ['/builds'] });
    expect(volume).toEqual({ kind: 'configured' });
    expect(buildsBind(volume, '/builds')).toBeUndefined();
  });
});

describe('BuildsSlots', () => {
  it('moves a second concurrent job of a project to the next free slot', () => {
    const slots = new BuildsSlots();
    const slotFor = (n: number) => `p-concurrent-${n}`;
    const first = slots.take(slotFor, 0);
    const second = slots.take(slotFor, 0);
    expect([first.slot, second.slot]).toEqual(['p-concurrent-0', 'p-concurrent-1']);
    first.release();
    expect(slots.take(slotFor, 0).slot).toBe('p-concurrent-0');
  });
});

describe('leaseBuildsVolume', () => {
  const ctx = {
    buildsDir: '/builds',
    slotName: 'runner-x-project-1-concurrent-0',
    base: 'runner-x-project-1-concurrent-0-abcd1234',
    concurrent: 0,
    slotFor: (n: number) => `runner-x-project-1-concurrent-${n}`,
  };
  const job = {
    strategy: 'fetch',
    local: false,
    disableCache: false,
    cacheDir: undefined,
    shared: false,
    configuredTargets: [],
  };
  it('gives a concurrent fetch job of the same project its own kept volume', () => {
    const slots = new BuildsSlots();
    const first = leaseBuildsVolume(slots, ctx, job);
    const second = leaseBuildsVolume(slots, ctx, job);
    const names = [first.volume, second.volume].map((v) => ('name' in v ? v.name : ''));
    expect(names[0]).toContain('-concurrent-0-cache-');
    expect(names[1]).toContain('-concurrent-1-cache-');
    first.release?.();
    second.release?.();
    expect(leaseBuildsVolume(slots, ctx, { ...job, strategy: 'clone' }).release).toBeUndefined();
  });
});
