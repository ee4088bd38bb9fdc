import { describe, expect, it } from 'vitest';
import { qemuArgs } from './qemu-args.js';
import {
  guestfwdValue,
  registryDockerdFlags,
  registryForwardFromOptions,
} from './registry-forward.js';
import { DEFAULT_SHAPE, snapshotDirFor } from './snapshot.js';

describe('registry forward', () => {
  it('parses a loopback HOST:PORT and refuses anything else', () => {
    expect(registryForwardFromOptions({})).toBeUndefined();
    expect(registryForwardFromOptions({ 'qemu-registry-forward': '127.0.0.1:5000' })).toEqual({
      hostAddress: '127.0.0.1',
      port: 5000,
    });
    expect(registryForwardFromOptions({ 'qemu-registry-forward': 'localhost:5001' })).toEqual({
      hostAddress: '127.0.0.1',
      port: 5001,
    });
    for (const bad of ['10.0.0.1:5000', 'registry:5000', '127.0.0.1', '127.0.0.1:99999']) {
      expect(() => registryForwardFromOptions({ 'qemu-registry-forward': bad })).toThrow(
        /not a loopback HOST:PORT/,
      );
    }
  });

  it('tells the guest dockerd the forwarded registry speaks plain HTTP', () => {
    const forward = { hostAddress: '127.0.0.1', port: 5000 };
    expect(registryDockerdFlags(forward)).toEqual(['--insecure-registry=10.0.2.100:5000']);
    expect(registryDockerdFlags(undefined)).toEqual([]);
  });

  it('adds one guestfwd to the restricted user-net, running the forwarder per connection', () => {
    const value = guestfwdValue(
      { hostAddress: '127.0.0.1', port: 5000 },
      '/usr/bin/node',
      '/var/lib/vm/fwd.mjs',
    );
    expect(value).toBe('tcp:10.0.2.100:5000-cmd:/usr/bin/node /var/lib/vm/fwd.mjs 127.0.0.1 5000');
    const args = qemuArgs({
      accel: 'tcg',
      kernel: 'k',
      initrd: 'i',
      disk: { path: 'd', format: 'qcow2' },
      hostPort: 40000,
      memoryMiB: 1024,
      cpus: 1,
      mode: 'run',
      consoleLog: 'c',
      qmpSocket: 'q',
      agentSocket: 'a',
      pidFile: 'p',
      guestForward: value,
    });
    expect(args).toContain(
      `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40000-:2376,guestfwd=${value}`,
    );
    expect(() => guestfwdValue({ hostAddress: '127.0.0.1', port: 1 }, '/a b/node', '/x')).toThrow();
  });

  it('keeps one saved running VM per machine shape', () => {
    expect(snapshotDirFor('/c')).toBe('/c/snapshot');
    const forwarded = { ...DEFAULT_SHAPE, dockerdFlags: ['--insecure-registry=10.0.2.100:5000'] };
    expect(snapshotDirFor('/c', forwarded)).toMatch(/^\/c\/snapshots\/[0-9a-f]{12}$/);
    expect(snapshotDirFor('/c', forwarded)).toBe(snapshotDirFor('/c', { ...forwarded }));
  });
});
