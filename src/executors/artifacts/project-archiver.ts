import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { JobArtifact } from '../../protocol/job-spec.js';
import type { ArtifactArchiver, JobLog, ProjectFiles } from '../executor.js';
import { selectAndReport } from '../local-files/select-files.js';
import { readZip, writeZip, ZipFormatError, type ZipEntry } from './zip.js';

/** The zip entry of one selected path under `root`. */
async function entryOf(root: string, path: string): Promise<ZipEntry> {
  const full = join(root, path);
  const stat = await lstat(full);
  const mode = stat.mode & 0o7777;
  if (stat.isDirectory()) {
    return { path, kind: 'directory', mode, mtime: stat.mtime, data: new Uint8Array() };
  }
  if (stat.isSymbolicLink()) {
    const target = Buffer.from(await readlink(full), 'utf8');
    return { path, kind: 'symlink', mode, mtime: stat.mtime, data: target };
  }
  return { path, kind: 'file', mode, mtime: stat.mtime, data: await readFile(full) };
}

/** A relative path that stays inside the directory it is unpacked in. */
function safePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\')) return false;
  return path.split('/').every((part) => part !== '..' && part !== '');
}

async function unpack(entries: readonly ZipEntry[], dir: string, signal: AbortSignal) {
  for (const entry of entries) {
    signal.throwIfAborted();
    if (!safePath(entry.path)) {
      throw new ZipFormatError(`the entry ${JSON.stringify(entry.path)} is outside the project`);
    }
    const target = join(dir, entry.path);
    await mkdir(entry.kind === 'directory' ? target : dirname(target), { recursive: true });
    if (entry.kind === 'symlink') {
      await rm(target, { force: true, recursive: true });
      await symlink(Buffer.from(entry.data).toString('utf8'), target);
      continue;
    }
    if (entry.kind === 'file') await writeFile(target, entry.data, { mode: entry.mode || 0o644 });
    await utimes(target, entry.mtime, entry.mtime);
  }
}

/**
 * GitLab's artifact archives (zip) made on this machine from the project directory an executor
 * exposes, and unpacked back into it: the same for the shell, docker and docker+machine
 * executors, which differ only in how ProjectFiles reaches the files.
 */
export const projectArchiver: ArtifactArchiver = {
  archive(
    files: ProjectFiles,
    artifact: JobArtifact,
    log: JobLog,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined> {
    return files.read(async (root) => {
      const picked = await selectAndReport(root, artifact, log, signal);
      if (picked.length === 0) return undefined;
      const entries: ZipEntry[] = [];
      for (const path of picked) {
        signal.throwIfAborted();
        entries.push(await entryOf(root, path));
      }
      return writeZip(entries);
    }, signal);
  },

  async extract(files: ProjectFiles, zip: Uint8Array, signal: AbortSignal): Promise<void> {
    const entries = readZip(zip);
    const dir = await mkdtemp(join(tmpdir(), 'dockhand-artifacts-'));
    try {
      await unpack(entries, dir, signal);
      await files.write(dir, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
