import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { CliIo } from '../io.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/configs/', import.meta.url));

function captureIo(cwd = fixtures): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    color: false,
    env: {},
    cwd,
    isTty: false,
    out: () => out,
    err: () => err,
  };
}

describe('dockhand config check', () => {
  it('summarises setup 1 and says the entrypoint secure default applies (exit 0)', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', '--config', 'setup-1-docker-socket.toml'], io)).toBe(0);
    const out = io.out();
    expect(out).toContain('Runner "docker-builder" (line 1): executor docker, no limit');
    expect(out).toContain('  default image: ubuntu');
    expect(out).toContain(
      '  volumes: /cache (cache), /var/run/docker.sock -> /var/run/docker.sock',
    );
    expect(out).toContain('  allowed images: gitlab.example.com:5049/frank/docker-builder:*');
    expect(out).toContain(
      'entrypoint overrides: disabled (dockhand secure default: allowed_images is set and disable_entrypoint_overwrite is not)',
    );
    expect(out).toContain('token: set');
    expect(out).not.toContain('xxxxxxxx');
    expect(out).toContain('OK: 0 error(s), 0 warning(s)');
  });

  it('exits 0 with warnings, 1 with --strict (setup 2 OffPeak keys)', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', '-c', 'setup-2-machine-socket.toml'], io)).toBe(0);
    expect(io.out()).toContain('machine pool: driver virtualbox, name %s.myrunner.yourdomain');
    expect(io.out()).toContain('Warnings (3):');
    expect(io.out()).toContain(
      'setup-2-machine-socket.toml:18:5: runners[0].machine.OffPeakTimezone: OffPeakTimezone is accepted and ignored',
    );
    const strict = captureIo();
    expect(
      await main(['config', 'check', '-c', 'setup-2-machine-socket.toml', '--strict'], strict),
    ).toBe(1);
    expect(strict.out()).toContain('Failed (--strict): 0 error(s), 3 warning(s)');
  });

  it('exits 2 on errors and 2 with a hint when the file is missing', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', '-c', 'no-such.toml'], io)).toBe(2);
    expect(io.err()).toContain(`ERROR: cannot read ${fixtures}no-such.toml: it does not exist`);
    expect(io.err()).toContain('hint: check the path given by --config');
  });

  it('rejects unknown flags as usage errors', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', '--nope'], io)).toBe(2);
    expect(io.err()).toContain("run 'dockhand config check --help'");
  });
});
