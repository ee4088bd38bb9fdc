/**
 * The artifact stages of runner runs (shared/reference/gitlab-runner.md §5.6, §3.2): before the
 * script, the archives of the job's dependencies are downloaded from the coordinator with the
 * job token and unpacked into the project directory; after it, each `artifacts` entry whose
 * `when` matches is zipped and uploaded. Archives are made where the files are, through the
 * executor's ProjectFiles and an ArtifactArchiver; this file only talks to the coordinator and
 * writes GitLab's log lines. Caches stay out: GitLab keeps them off the coordinator (§1.7).
 */
import type { CoordinatorClient } from '../api/coordinator-client.js';
import type {
  ArtifactArchiver,
  CommandResult,
  JobLog,
  TransferContext,
  TransferStage,
  TransferStages,
} from '../executors/executor.js';
import type { ArtifactWhen, JobArtifact, JobDependency, JobSpec } from '../protocol/job-spec.js';
import { shortToken } from './runner-identity.js';

const OK: CommandResult = { exitCode: 0 };
const FAILED: CommandResult = { exitCode: 1 };

function uploadedAfter(when: ArtifactWhen, success: boolean): boolean {
  return when === 'always' || when === (success ? 'on_success' : 'on_failure');
}

/** The archive entries uploaded after success (or failure); reports are not supported yet. */
function uploads(job: JobSpec, success: boolean): JobArtifact[] {
  return job.artifacts.filter(
    (a) => a.artifact_type === 'archive' && uploadedAfter(a.when, success),
  );
}

function withArchive(job: JobSpec): JobDependency[] {
  return job.dependencies.filter((d) => d.artifacts_file !== undefined);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The helper's last words before it exits 1, as GitLab's artifact commands print them. */
function fatal(log: JobLog, reason: string): CommandResult {
  log.plain(`FATAL: ${reason}`);
  return FAILED;
}

export class CoordinatorTransfer implements TransferStages {
  constructor(
    private readonly client: Pick<CoordinatorClient, 'uploadArtifacts' | 'downloadArtifacts'>,
    private readonly archiver: ArtifactArchiver,
  ) {}

  has(stage: TransferStage, job: JobSpec): boolean {
    switch (stage) {
      case 'download_artifacts':
        return withArchive(job).length > 0;
      case 'upload_artifacts_on_success':
      case 'upload_artifacts_on_failure':
        return uploads(job, stage === 'upload_artifacts_on_success').length > 0;
      case 'restore_cache':
      case 'archive_cache':
      case 'archive_cache_on_failure':
        return false;
    }
  }

  async run(stage: TransferStage, context: TransferContext): Promise<CommandResult> {
    switch (stage) {
      case 'download_artifacts':
        return this.download(context);
      case 'upload_artifacts_on_success':
      case 'upload_artifacts_on_failure':
        return this.upload(context, stage === 'upload_artifacts_on_success');
      case 'restore_cache':
      case 'archive_cache':
      case 'archive_cache_on_failure':
        return Promise.resolve(OK);
    }
  }

  private async download(context: TransferContext): Promise<CommandResult> {
    for (const dependency of withArchive(context.job)) {
      const result = await this.downloadOne(dependency, context);
      if (result.exitCode !== 0) return result;
    }
    return OK;
  }

  private async downloadOne(
    dependency: JobDependency,
    { files, log, signal }: TransferContext,
  ): Promise<CommandResult> {
    const { id, name, token } = dependency;
    const fields = `id=${id}`;
    // GitLab prints the short form of the token a download used; never the token itself.
    const short = `token=${shortToken(token)}`;
    const what = 'Downloading artifacts from coordinator...';
    log.plain(`Downloading artifacts for ${name} (${id})...`);
    let result: Awaited<ReturnType<CoordinatorClient['downloadArtifacts']>>;
    try {
      result = await this.client.downloadArtifacts(id, token);
    } catch (error) {
      log.warning(`${what} error  error=${messageOf(error)} ${fields} ${short}`);
      return fatal(log, messageOf(error));
    }
    switch (result.kind) {
      case 'downloaded':
        log.plain(`${what} ok  ${fields} responseStatus=200 OK ${short}`);
        try {
          await this.archiver.extract(files, result.data, signal);
        } catch (error) {
          signal.throwIfAborted();
          return fatal(log, messageOf(error));
        }
        return OK;
      case 'forbidden': {
        const status = result.status === 401 ? '401 Unauthorized' : '403 Forbidden';
        log.warning(
          `${what} forbidden  ${fields} responseStatus=${status} status=${result.status} ${short}`,
        );
        return fatal(log, 'permission denied');
      }
      case 'not-found':
        log.warning(
          `${what} not found  ${fields} responseStatus=404 Not Found status=404 ${short}`,
        );
        return fatal(log, 'file does not exist');
    }
  }

  private async upload(context: TransferContext, success: boolean): Promise<CommandResult> {
    for (const artifact of uploads(context.job, success)) {
      const result = await this.uploadOne(artifact, context);
      if (result.exitCode !== 0) return result;
    }
    return OK;
  }

  private async uploadOne(
    artifact: JobArtifact,
    { job, files, log, signal }: TransferContext,
  ): Promise<CommandResult> {
    log.plain('Uploading artifacts...');
    if (artifact.artifact_format !== 'zip') {
      log.warning(`artifact format ${artifact.artifact_format} is not supported; not uploaded`);
      return OK;
    }
    const zip = await this.archiver.archive(files, artifact, log, signal);
    if (zip === undefined) {
      log.error('No files to upload');
      return OK;
    }
    const what = `Uploading artifacts as "${artifact.artifact_type}" to coordinator...`;
    const fields = `id=${job.id}`;
    const short = `token=${shortToken(job.token)}`;
    let result: Awaited<ReturnType<CoordinatorClient['uploadArtifacts']>>;
    try {
      result = await this.client.uploadArtifacts(job.id, job.token, {
        data: zip,
        filename: `${artifact.name ?? 'artifacts'}.zip`,
        format: 'zip',
        type: artifact.artifact_type,
        ...(artifact.expire_in === undefined ? {} : { expireIn: artifact.expire_in }),
      });
    } catch (error) {
      log.error(`${what} error  error=${messageOf(error)} ${fields} ${short}`);
      return fatal(log, messageOf(error));
    }
    switch (result.kind) {
      case 'uploaded':
        log.plain(`${what} 201 Created  ${fields} responseStatus=201 Created ${short}`);
        return OK;
      case 'too-large':
        log.error(
          `${what} too large archive  ${fields} responseStatus=413 Request Entity Too Large status=413 ${short}`,
        );
        return fatal(log, 'too large');
      case 'forbidden':
        log.error(`${what} forbidden  ${fields} responseStatus=403 Forbidden status=403 ${short}`);
        return fatal(log, 'permission denied');
      case 'not-found':
        log.error(`${what} not found  ${fields} responseStatus=404 Not Found status=404 ${short}`);
        return fatal(log, 'not found');
    }
  }
}
