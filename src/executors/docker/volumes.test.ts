import { describe, expect, it } from 'vitest';
import { cacheVolumeName, parseVolume, planVolumes } from './volumes.js';

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
    jobPrefix: 'runner-x-project-1-concurrent-0-abcd1234',
  };
  it('makes /cache a persistent per-project volume', () => {
    const name = cacheVolumeName(base.cachePrefix, '/cache');
    expect(name).toMatch(/^runner-x-project-1-concurrent-0-cache-[0-9a-f]{32}$/);
    expect(planVolumes({ ...base, disableCache: false, cacheDir: undefined })).toEqual({
      binds: [`${name}:/cache`, '/var/run/docker.sock:/var/run/docker.sock'],
      create: [{ name, temporary: false }],
    });
  });
  it('makes it throw-away with disable_cache', () => {
    const plan = planVolumes({ ...base, disableCache: true, cacheDir: undefined });
    expect(plan.create).toEqual([
      { name: cacheVolumeName(base.jobPrefix, '/cache'), temporary: true },
    ]);
  });
  it('makes it a host directory under cache_dir', () => {
    const plan = planVolumes({ ...base, disableCache: false, cacheDir: '/srv/cache' });
    expect(plan.create).toEqual([]);
    expect(plan.binds[0]).toBe(`/srv/cache/${cacheVolumeName(base.cachePrefix, '/cache')}:/cache`);
  });
});
