import { describe, expect, it } from 'vitest';
import type {
  ArtifactArchiver,
  JobLog,
  ProjectFiles,
  TransferContext,
} from '../executors/executor.js';
import type { JobArtifact, JobSpec } from '../protocol/job-spec.js';
import { sampleJob } from '../script/sample-job.js';
import { CoordinatorTransfer } from './coordinator-transfer.js';
import { FakeCoordinatorClient } from './fake-coordinator-client.js';
import { FakeExecutorProvider } from './fake-executor.js';
import { runJob } from './job-run.js';
import type { TraceSink } from './sinks.js';

const JOB_TOKEN = 'glcbt-64_SecretJobToken0123456789';
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Archives are the selected paths as text; extraction is recorded. */
class FakeArchiver implements ArtifactArchiver {
  readonly extracted: string[] = [];
  archive(_files: ProjectFiles, artifact: JobArtifact, log: JobLog) {
    const found = artifact.paths.filter((p) => !p.startsWith('missing'));
    for (const path of found) log.plain(`${path}: found 1 matching artifact files and directories`);
    return Promise.resolve(found.length === 0 ? undefined : enc(`zip:${found.join(',')}`));
  }
  extract(_files: ProjectFiles, zip: Uint8Array) {
    this.extracted.push(dec(zip));
    return Promise.resolve();
  }
}

class Lines implements JobLog {
  readonly lines: string[] = [];
  plain = (t: string) => void this.lines.push(t);
  info = (t: string) => void this.lines.push(t);
  warning = (t: string) => void this.lines.push(`WARNING: ${t}`);
  error = (t: string) => void this.lines.push(`ERROR: ${t}`);
  output = (t: string) => void this.lines.push(t);
}

function archiveEntry(extra: Partial<JobArtifact> = {}): JobArtifact {
  return {
    untracked: false,
    paths: ['out/'],
    exclude: [],
    when: 'on_success',
    artifact_type: 'archive',
    artifact_format: 'zip',
    ...extra,
  };
}

function job(extra: Partial<JobSpec> = {}): JobSpec {
  return { ...sampleJob({ token: JOB_TOKEN }), id: 12, ...extra };
}

function context(spec: JobSpec) {
  const log = new Lines();
  const files: ProjectFiles = {
    read: () => Promise.reject(new Error('unused')),
    write: () => Promise.reject(new Error('unused')),
  };
  const ctx: TransferContext = { job: spec, files, log, signal: new AbortController().signal };
  return { log, ctx };
}

describe('CoordinatorTransfer', () => {
  const client = new FakeCoordinatorClient();
  const transfer = new CoordinatorTransfer(client, new FakeArchiver());

  it('has work only for dependencies with archives and artifacts whose when matches', () => {
    const plain = job();
    expect(transfer.has('download_artifacts', plain)).toBe(false);
    expect(transfer.has('upload_artifacts_on_success', plain)).toBe(false);
    const withDeps = job({
      dependencies: [{ id: 3, name: 'lint', token: JOB_TOKEN }],
    });
    expect(transfer.has('download_artifacts', withDeps)).toBe(false);
    const withArchive = job({
      dependencies: [
        { id: 3, name: 'build', token: JOB_TOKEN, artifacts_file: { filename: 'a.zip', size: 9 } },
      ],
      artifacts: [archiveEntry({ when: 'always' })],
      cache: [
        {
          key: 'k',
          untracked: false,
          policy: 'pull-push',
          paths: ['c/'],
          when: 'on_success',
          fallback_keys: [],
        },
      ],
    });
    expect(transfer.has('download_artifacts', withArchive)).toBe(true);
    expect(transfer.has('upload_artifacts_on_success', withArchive)).toBe(true);
    expect(transfer.has('upload_artifacts_on_failure', withArchive)).toBe(true);
    expect(transfer.has('restore_cache', withArchive)).toBe(false);
    const onSuccess = job({ artifacts: [archiveEntry()] });
    expect(transfer.has('upload_artifacts_on_failure', onSuccess)).toBe(false);
  });

  it('downloads each dependency archive with its token and unpacks it, with GitLab lines', async () => {
    const fake = new FakeCoordinatorClient();
    fake.artifacts.set(3, {
      data: enc('zip:out/a.txt'),
      upload: { data: enc(''), filename: 'artifacts.zip' },
    });
    const archiver = new FakeArchiver();
    const spec = job({
      dependencies: [
        { id: 2, name: 'lint', token: JOB_TOKEN },
        { id: 3, name: 'build', token: JOB_TOKEN, artifacts_file: { filename: 'a.zip', size: 13 } },
      ],
    });
    const { log, ctx } = context(spec);
    const result = await new CoordinatorTransfer(fake, archiver).run('download_artifacts', ctx);
    expect(result.exitCode).toBe(0);
    expect(archiver.extracted).toEqual(['zip:out/a.txt']);
    expect(fake.artifactTokens).toEqual([JOB_TOKEN]);
    expect(log.lines).toEqual([
      'Downloading artifacts for build (3)...',
      'Downloading artifacts from coordinator... ok  id=3 responseStatus=200 OK token=64_Secret',
    ]);
    expect(log.lines.join('\n')).not.toContain(JOB_TOKEN);
  });

  it('a missing dependency archive fails the stage', async () => {
    const spec = job({
      dependencies: [
        { id: 9, name: 'build', token: JOB_TOKEN, artifacts_file: { filename: 'a.zip', size: 1 } },
      ],
    });
    const { log, ctx } = context(spec);
    const result = await new CoordinatorTransfer(
      new FakeCoordinatorClient(),
      new FakeArchiver(),
    ).run('download_artifacts', ctx);
    expect(result.exitCode).toBe(1);
    expect(log.lines.slice(1)).toEqual([
      'WARNING: Downloading artifacts from coordinator... not found  id=9 responseStatus=404 Not Found status=404 token=64_Secret',
      'FATAL: file does not exist',
    ]);
  });

  it('uploads each archive entry with its name, format, type and expiry', async () => {
    const fake = new FakeCoordinatorClient();
    const spec = job({ artifacts: [archiveEntry({ name: 'dist', expire_in: '1 week' })] });
    const { log, ctx } = context(spec);
    const result = await new CoordinatorTransfer(fake, new FakeArchiver()).run(
      'upload_artifacts_on_success',
      ctx,
    );
    expect(result.exitCode).toBe(0);
    const stored = fake.artifacts.get(12);
    expect(dec(stored!.data)).toBe('zip:out/');
    expect(stored!.upload).toMatchObject({
      filename: 'dist.zip',
      format: 'zip',
      type: 'archive',
      expireIn: '1 week',
    });
    expect(fake.artifactTokens).toEqual([JOB_TOKEN]);
    expect(log.lines).toEqual([
      'Uploading artifacts...',
      'out/: found 1 matching artifact files and directories',
      'Uploading artifacts as "archive" to coordinator... 201 Created  id=12 responseStatus=201 Created token=64_Secret',
    ]);
  });

  it('nothing to upload is an error line, not a failure', async () => {
    const fake = new FakeCoordinatorClient();
    const { log, ctx } = context(job({ artifacts: [archiveEntry({ paths: ['missing/'] })] }));
    const result = await new CoordinatorTransfer(fake, new FakeArchiver()).run(
      'upload_artifacts_on_success',
      ctx,
    );
    expect(result.exitCode).toBe(0);
    expect(log.lines).toEqual(['Uploading artifacts...', 'ERROR: No files to upload']);
    expect(fake.artifacts.size).toBe(0);
  });

  it('413 and an unreachable coordinator fail the stage with GitLab messages', async () => {
    const fake = new FakeCoordinatorClient();
    fake.uploadAnswer = { kind: 'too-large' };
    const spec = job({ artifacts: [archiveEntry()] });
    const first = context(spec);
    expect(
      (
        await new CoordinatorTransfer(fake, new FakeArchiver()).run(
          'upload_artifacts_on_success',
          first.ctx,
        )
      ).exitCode,
    ).toBe(1);
    expect(first.log.lines.slice(2)).toEqual([
      'ERROR: Uploading artifacts as "archive" to coordinator... too large archive  id=12 responseStatus=413 Request Entity Too Large status=413 token=64_Secret',
      'FATAL: too large',
    ]);
    fake.uploadAnswer = undefined;
    fake.down = true;
    const second = context(spec);
    expect(
      (
        await new CoordinatorTransfer(fake, new FakeArchiver()).run(
          'upload_artifacts_on_success',
          second.ctx,
        )
      ).exitCode,
    ).toBe(1);
    expect(second.log.lines.at(-1)).toMatch(/^FATAL: could not reach the coordinator/);
  });

  it('a failed upload fails a job whose script passed (exit code 1, script_failure)', async () => {
    const fake = new FakeCoordinatorClient();
    fake.uploadAnswer = { kind: 'too-large' };
    const chunks: string[] = [];
    const sink: TraceSink = {
      write: (chunk) => void chunks.push(chunk),
      close: () => Promise.resolve(),
    };
    const result = await runJob({
      job: job({ artifacts: [archiveEntry()] }),
      provider: new FakeExecutorProvider({}, 'docker'),
      runner: { name: 'r', shortToken: 'r' },
      sink,
      transfer: new CoordinatorTransfer(fake, new FakeArchiver()),
    });
    expect(result).toMatchObject({ state: 'failed', failureReason: 'script_failure', exitCode: 1 });
    expect(chunks.join('')).toContain('Uploading artifacts for successful job');
  });
});
