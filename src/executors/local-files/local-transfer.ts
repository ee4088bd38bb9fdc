import { existsSync } from 'node:fs';
import type { DotenvVariable } from '../../protocol/dotenv-report.js';
import type { ArtifactWhen, JobCache, JobSpec } from '../../protocol/job-spec.js';
import type { CommandResult, TransferContext, TransferStage, TransferStages } from '../executor.js';
import { expiryOf } from './artifact-meta.js';
import { copyEntries, replaceDirectory } from './copy-tree.js';
import { dotenvReports, readDotenvFiles } from './dotenv-files.js';
import type { LocalStore } from './local-store.js';
import { selectAndReport } from './select-files.js';

const OK: CommandResult = { exitCode: 0 };

/** Whether something saved `when` is saved by a stage that runs after success (or failure). */
function savedAfter(when: ArtifactWhen, success: boolean): boolean {
  return when === 'always' || when === (success ? 'on_success' : 'on_failure');
}

function pulled(cache: JobCache): boolean {
  return cache.policy !== 'push' && cache.key !== '';
}

function pushed(cache: JobCache, success: boolean): boolean {
  return cache.policy !== 'pull' && cache.key !== '' && savedAfter(cache.when, success);
}

function archives(job: JobSpec, success: boolean) {
  return job.artifacts.filter((a) => a.artifact_type === 'archive' && savedAfter(a.when, success));
}

function variable(job: JobSpec, key: string): string | undefined {
  return job.variables.findLast((v) => v.key === key)?.value;
}

/**
 * The cache and artifact stages of a local run, done on this machine against a LocalStore with
 * GitLab's log lines (shared/reference/gitlab-runner.md §3.2). Files move through the executor's
 * ProjectFiles, so the shell and docker executors behave alike.
 */
export class LocalTransfer implements TransferStages {
  constructor(
    private readonly store: LocalStore,
    /** How a stored path is shown in the log (relative to the repository, say). */
    private readonly display: (path: string) => string = (path) => path,
  ) {}

  has(stage: TransferStage, job: JobSpec): boolean {
    switch (stage) {
      case 'restore_cache':
        return job.cache.some(pulled);
      case 'download_artifacts':
        return job.dependencies.length > 0;
      case 'archive_cache':
      case 'archive_cache_on_failure':
        return job.cache.some((c) => pushed(c, stage === 'archive_cache'));
      case 'upload_artifacts_on_success':
      case 'upload_artifacts_on_failure':
        return (
          archives(job, stage === 'upload_artifacts_on_success').length > 0 ||
          dotenvReports(job.artifacts, stage === 'upload_artifacts_on_success').length > 0
        );
    }
  }

  async run(stage: TransferStage, context: TransferContext): Promise<CommandResult> {
    switch (stage) {
      case 'restore_cache':
        return this.restoreCache(context);
      case 'download_artifacts':
        return this.download(context);
      case 'archive_cache':
      case 'archive_cache_on_failure':
        return this.archiveCache(context, stage === 'archive_cache');
      case 'upload_artifacts_on_success':
      case 'upload_artifacts_on_failure':
        return this.upload(context, stage === 'upload_artifacts_on_success');
    }
  }

  private async restoreCache({ job, files, log, signal }: TransferContext): Promise<CommandResult> {
    const globalFallback = variable(job, 'CACHE_FALLBACK_KEY');
    for (const cache of job.cache.filter(pulled)) {
      const keys = [cache.key, ...cache.fallback_keys];
      if (globalFallback !== undefined && globalFallback !== '') keys.push(globalFallback);
      let restored = false;
      for (const key of keys) {
        log.plain(`Checking cache for ${key}...`);
        const dir = this.store.cacheDir(key);
        if (!existsSync(dir)) continue;
        await files.write(dir, signal);
        log.plain('Successfully extracted cache');
        restored = true;
        break;
      }
      if (!restored) {
        log.warning('file does not exist');
        log.plain('Failed to extract cache');
      }
    }
    return OK;
  }

  private async download({ job, files, log, signal }: TransferContext): Promise<CommandResult> {
    for (const dependency of job.dependencies) {
      log.plain(`Downloading artifacts for ${dependency.name} (${dependency.id})...`);
      const found = this.store.artifactsOf(dependency.name);
      if (found?.dir === undefined) {
        log.warning(`no artifacts of ${dependency.name} in ${this.display(this.store.stateDir)}`);
        continue;
      }
      await files.write(found.dir, signal);
      const earlier =
        found.pipelineId === this.store.pipelineId
          ? ''
          : ` (from local pipeline ${found.pipelineId})`;
      log.plain(`Downloading artifacts from ${this.display(found.dir)}${earlier}... ok`);
    }
    return OK;
  }

  private async archiveCache(
    { job, files, log, signal }: TransferContext,
    success: boolean,
  ): Promise<CommandResult> {
    const caches = job.cache.filter((c) => pushed(c, success));
    await files.read(async (root) => {
      for (const cache of caches) {
        log.plain(`Creating cache ${cache.key}...`);
        const picked = await selectAndReport(root, { ...cache, exclude: [] }, log, signal);
        if (picked.length === 0) {
          log.warning('No files to cache; the cache was not saved');
          continue;
        }
        await replaceDirectory(this.store.cacheDir(cache.key), (dir) =>
          copyEntries(root, picked, dir, signal),
        );
        log.plain('Created cache');
      }
    }, signal);
    return OK;
  }

  /**
   * The artifacts archive, then the dotenv report: an invalid report fails the stage (GitLab
   * refuses its upload, and a failed upload fails a job whose script passed). Their expiry and
   * the report's variables are recorded for later jobs.
   */
  private async upload(context: TransferContext, success: boolean): Promise<CommandResult> {
    const { job, files, log, signal } = context;
    const savedAt = Date.now();
    let result = OK;
    let dotenv: DotenvVariable[] | undefined;
    await files.read(async (root) => {
      if (archives(job, success).length > 0) await this.uploadArchive(root, context, success);
      for (const report of dotenvReports(job.artifacts, success)) {
        log.plain('Uploading artifacts...');
        const entries = await selectAndReport(root, { ...report, untracked: false }, log, signal);
        if (entries.length === 0) {
          log.error('No files to upload');
          continue;
        }
        const parsed = await readDotenvFiles(root, entries);
        if (!parsed.ok) {
          log.error(`Uploading artifacts as "dotenv" failed: ${parsed.error}`);
          result = { exitCode: 1 };
          return;
        }
        dotenv = [...(dotenv ?? []), ...parsed.variables];
        const names = parsed.variables.map((v) => v.key).join(', ');
        log.plain(`Uploading artifacts as "dotenv"... ok (${names || 'no variables'})`);
      }
    }, signal);
    const expireIn = job.artifacts.find((a) => a.expire_in !== undefined)?.expire_in;
    const expireAt = expiryOf(expireIn, savedAt);
    this.store.recordArtifacts(job.job_info.name, {
      savedAt: new Date(savedAt).toISOString(),
      expireAt: expireAt === null ? null : new Date(expireAt).toISOString(),
      ...(dotenv === undefined ? {} : { dotenv }),
    });
    return result;
  }

  private async uploadArchive(
    root: string,
    { job, log, signal }: TransferContext,
    success: boolean,
  ): Promise<void> {
    const target = this.store.artifactsDir(job.job_info.name);
    log.plain('Uploading artifacts...');
    const picked = new Set<string>();
    for (const artifact of archives(job, success)) {
      for (const entry of await selectAndReport(root, artifact, log, signal)) picked.add(entry);
    }
    if (picked.size === 0) {
      log.error('No files to upload');
      return;
    }
    const entries = [...picked].sort((a, b) => a.split('/').length - b.split('/').length);
    await replaceDirectory(target, (dir) => copyEntries(root, entries, dir, signal));
    log.plain(`Uploading artifacts as "archive" to ${this.display(target)}... ok`);
  }
}
