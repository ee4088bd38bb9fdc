import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const launcher = join(import.meta.dirname, '../../bin/dockhand.js');
const dir = mkdtempSync(join(tmpdir(), 'dockhand-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in build whose `main` prints which copy of the CLI ran. */
function fakeBuild(which: string): string {
  const path = join(dir, 'dist', which, 'main.js');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `export async function main() { console.log('${which}'); return 0; }\n`);
  return path;
}

function run(): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [join(dir, 'bin', 'dockhand.js')], {
    encoding: 'utf8',
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

describe('bin/dockhand.js', () => {
  mkdirSync(join(dir, 'bin'));
  cpSync(launcher, join(dir, 'bin', 'dockhand.js'));

  it('says how to build when there is nothing built', () => {
    expect(run()).toEqual({ status: 2, out: expect.stringContaining('npm run build') as string });
  });

  it('runs the bundle, unless tsc compiled after it', () => {
    const compiled = fakeBuild('cli');
    const bundle = fakeBuild('bundle');
    utimesSync(compiled, 1000, 1000);
    utimesSync(bundle, 2000, 2000);
    expect(run()).toEqual({ status: 0, out: 'bundle' });
    // A bare `tsc` since the last `npm run build`: the bundle is stale.
    utimesSync(compiled, 3000, 3000);
    expect(run()).toEqual({ status: 0, out: 'cli' });
    rmSync(compiled);
    expect(run()).toEqual({ status: 0, out: 'bundle' });
  });
});
