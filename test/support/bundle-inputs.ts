import { build, type Metafile } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

/**
 * Every source file `entry` can load, static and dynamic imports alike, as esbuild's metafile
 * lists them (paths relative to the repository; `imports` tells the edges and their kind).
 * Nothing is written.
 */
export async function bundleInputs(entry: string): Promise<Metafile['inputs']> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    external: ['better-sqlite3'],
    logLevel: 'silent',
  });
  return result.metafile.inputs;
}
