import { describe, expect, it } from 'vitest';
import { toCreateBody } from './create-body.js';

describe('toCreateBody', () => {
  it('maps labelled anonymous volumes to volume mounts without a source, and --init', () => {
    const body = toCreateBody({
      image: 'busybox:latest',
      labelledVolumes: [{ target: '/builds', labels: { 'dev.dockhand.type': 'volume' } }],
      init: true,
    });
    expect(body.HostConfig.Mounts).toEqual([
      {
        Type: 'volume',
        Target: '/builds',
        VolumeOptions: { Labels: { 'dev.dockhand.type': 'volume' } },
      },
    ]);
    expect(body.HostConfig.Init).toBe(true);
  });
  it('leaves both out by default', () => {
    const body = toCreateBody({ image: 'busybox:latest' });
    expect(body.HostConfig.Mounts).toBeUndefined();
    expect(body.HostConfig.Init).toBeUndefined();
  });
});
