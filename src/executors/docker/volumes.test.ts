import { describe, expect, it } from 'vitest';
import { cacheDirPath, cacheVolumeName, parseVolume, planVolumes } from './volumes.js';

describe('parseVolume', () => {
  it('parses the docker -v forms', () => {
    expect(parseVolume('/cache')).toEqual({ ok: true, entry: { kind: 'cache', target: '/cache' } });
    expect(parseVolume('/var/run/docker.sock:/var/run/docker.sock')).toEqual({
      ok: true,
      entry: { kind: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' },
    });
    expect(parseVolume('/srv/data:/data:ro')).toEqual({
      ok: true,
      entry: { kind: 'bind', source: '/srv/data', target: '/data', mode: 'ro' },
    });
    expect(parseVolume('certs:/certs:rw')).toEqual({
      ok: true,
      entry: { kind: 'named', source: 'certs', target: '/certs', mode: 'rw' },
    });
  });
  it('rejects malformed entries with the expected forms', () => {
    for (const bad of ['cache', '/a:b', '/a:/b:bogus', '/a:/b:ro:x', '', 'bad name:/x']) {
      const parsed = parseVolume(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('expected /path');
    }
  });
});

describe('planVolumes', () => {
  const entries = [
    { kind: 'cache' as const, target: '/cache' },
    { kind: 'bind' as const, source: '/var/run/docker.sock', target: '/var/run/docker.sock' },
  ];
  const base = {
    entries,
    cachePrefix: 'runner-x-project-1-concurrent-0',
  };
  it('makes /cache a persistent per-project volume', () => {
    const name = cacheVolumeName(base.cachePrefix, '/cache');
    expect(name).toMatch(/^runner-x-project-1-concurrent-0-cache-[0-9a-f]{32}$/);
    expect(planVolumes({ ...base, disableCache: false, cacheDir: undefined })).toEqual({
      binds: [`${name}:/cache`, '/var/run/docker.sock:/var/run/docker.sock'],
      create: [{ name, temporary: false }],
      warnings: [],
    });
  });
  it('creates no volume with disable_cache and says so as GitLab does', () => {
    expect(planVolumes({ ...base, disableCache: true, cacheDir: undefined })).toEqual({
      binds: ['/var/run/docker.sock:/var/run/docker.sock'],
      create: [],
      warnings: [
        'Container based cache volumes creation is disabled. Will not create volume for "/cache"',
      ],
    });
  });
  it('makes it a host directory <cache_dir>/<slot>/<md5(path)> under cache_dir', () => {
    const plan = planVolumes({ ...base, disableCache: false, cacheDir: '/srv/cache' });
    expect(plan.create).toEqual([]);
    expect(plan.binds[0]).toBe(
      '/srv/cache/runner-x-project-1-concurrent-0/3c3f060a0374fc8bc39395164f415a70:/cache',
    );
    expect(cacheDirPath('/srv/cache/', base.cachePrefix, '/cache')).toBe(
      plan.binds[0]?.replace(/:\/cache$/, ''),
    );
  });
});
