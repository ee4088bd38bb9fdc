import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../../engine/engine.js';
import type { ProjectFiles } from '../executor.js';

/** Unpacks a tar stream into `dir` with the host's tar; rejects when tar fails. */
function untar(tar: Readable, dir: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-x', '-C', dir, '-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      signal,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`tar -x failed: ${stderr.trim() || code}`)),
    );
    tar.on('error', reject);
    tar.pipe(child.stdin);
  });
}

/**
 * The project directory of a docker job as seen from this machine, through the engine's archive
 * API on the build container (created or stopped: it works between stages): `read` copies the
 * directory out into a temp dir, `write` copies a host directory in, owned by root as the
 * checkout is. No helper container and no tar in the job image are needed.
 */
export function dockerProjectFiles(
  engine: Engine,
  containerId: string,
  projectDir: string,
): ProjectFiles {
  return {
    async read(use, signal) {
      const tmp = await mkdtemp(join(tmpdir(), 'dockhand-files-'));
      try {
        await untar(await engine.getArchive(containerId, projectDir), tmp, signal);
        return await use(join(tmp, posix.basename(projectDir)));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    async write(from, signal) {
      const child = spawn(
        'tar',
        ['-C', from, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'],
        { stdio: ['ignore', 'pipe', 'inherit'], signal },
      );
      const exited = new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`tar -c exited with ${code}`)),
        );
      });
      await engine.putArchive(containerId, projectDir, child.stdout);
      await exited;
    },
  };
}
