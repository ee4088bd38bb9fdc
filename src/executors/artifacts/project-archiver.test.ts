import {
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLog } from '../../../test/support/jobs.js';
import type { JobArtifact } from '../../protocol/job-spec.js';
import type { ProjectFiles } from '../executor.js';
import { projectArchiver } from './project-archiver.js';
import { readZip, writeZip } from './zip.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A project directory on this machine, exposed as the shell executor does. */
async function project(): Promise<{ dir: string; files: ProjectFiles }> {
  const dir = await mkdtemp(join(tmpdir(), 'dockhand-archiver-'));
  dirs.push(dir);
  return {
    dir,
    files: {
      read: (use) => use(dir),
      write: (from) => cp(from, dir, { recursive: true, force: true, verbatimSymlinks: true }),
    },
  };
}

function artifact(paths: string[], exclude: string[] = []): JobArtifact {
  return {
    untracked: false,
    paths,
    exclude,
    when: 'on_success',
    artifact_type: 'archive',
    artifact_format: 'zip',
  };
}

const signal = new AbortController().signal;

describe('projectArchiver', () => {
  it('zips what paths select minus exclude, with parents, modes and symlinks', async () => {
    const { dir, files } = await project();
    await mkdir(join(dir, 'out/logs'), { recursive: true });
    await writeFile(join(dir, 'out/a.txt'), 'A\n');
    await writeFile(join(dir, 'out/tool'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(dir, 'out/logs/debug.log'), 'noise');
    await symlink('a.txt', join(dir, 'out/link'));
    await writeFile(join(dir, 'README'), 'not selected');
    const log = new RecordingLog();
    const zip = await projectArchiver.archive(
      files,
      artifact(['out/', 'missing/'], ['out/logs']),
      log,
      signal,
    );
    const entries = readZip(zip!);
    expect(entries.map((e) => [e.path, e.kind])).toEqual([
      ['out', 'directory'],
      ['out/a.txt', 'file'],
      ['out/link', 'symlink'],
      ['out/tool', 'file'],
    ]);
    expect(entries.find((e) => e.path === 'out/tool')?.mode).toBe(0o755);
    expect(log.lines).toEqual([
      'out/: found 6 matching artifact files and directories',
      'WARNING: missing/: no matching files. Ensure that the artifact path is relative to the working directory',
    ]);
  });

  it('nothing selected: no archive', async () => {
    const { files } = await project();
    expect(
      await projectArchiver.archive(files, artifact(['nothing']), new RecordingLog(), signal),
    ).toBeUndefined();
  });

  it('unpacks an archive into the project, overwriting', async () => {
    const { dir, files } = await project();
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out/a.txt'), 'old');
    const mtime = new Date(2024, 0, 1);
    const zip = writeZip([
      { path: 'out', kind: 'directory', mode: 0o755, mtime, data: new Uint8Array() },
      { path: 'out/a.txt', kind: 'file', mode: 0o644, mtime, data: Buffer.from('new\n') },
      { path: 'out/run', kind: 'file', mode: 0o755, mtime, data: Buffer.from('#!/bin/sh\n') },
      { path: 'out/link', kind: 'symlink', mode: 0o777, mtime, data: Buffer.from('a.txt') },
    ]);
    await projectArchiver.extract(files, zip, signal);
    expect(await readFile(join(dir, 'out/a.txt'), 'utf8')).toBe('new\n');
    expect((await stat(join(dir, 'out/run'))).mode & 0o111).not.toBe(0);
    expect(await readlink(join(dir, 'out/link'))).toBe('a.txt');
  });

  it('refuses an entry outside the project directory (zip slip)', async () => {
    const { dir, files } = await project();
    const zip = writeZip([
      {
        path: '../escaped',
        kind: 'file',
        mode: 0o644,
        mtime: new Date(),
        data: Buffer.from('x'),
      },
    ]);
    await expect(projectArchiver.extract(files, zip, signal)).rejects.toThrow(
      /outside the project/,
    );
    await expect(stat(join(dir, '../escaped'))).rejects.toThrow();
  });
});
