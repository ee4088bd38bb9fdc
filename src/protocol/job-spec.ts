/**
 * The job payload GitLab sends a runner in answer to `POST /api/v4/jobs/request` (201), as typed
 * values. Local runs (`dockhand exec`) build the same payload from .gitlab-ci.yml, so local and
 * runner runs share one path (shared/reference/gitlab-runner.md §5.3). Field names are GitLab's
 * wire names on purpose: this type is serialised as-is by the coordinator.
 */

export interface JobVariable {
  readonly key: string;
  readonly value: string;
  /** YAML or predefined: also passed to services. false: a secret from project/group settings. */
  readonly public: boolean;
  readonly masked: boolean;
  /** File-type: the runner writes `value` to a file and sets the variable to the file's path. */
  readonly file: boolean;
  /** No `$VAR` expansion of the value. */
  readonly raw: boolean;
}

/** A plain variable as YAML and the runner define them: public, unmasked, expanded. */
export function publicVariable(key: string, value: string): JobVariable {
  return { key, value, public: true, masked: false, file: false, raw: false };
}

export type StepWhen = 'on_success' | 'on_failure' | 'always';

export interface JobStep {
  /** `script` (before_script + script merged), `after_script`, `release`. */
  readonly name: string;
  readonly script: readonly string[];
  /** Seconds. */
  readonly timeout: number;
  readonly when: StepWhen;
  readonly allow_failure: boolean;
}

export type PullPolicy = 'always' | 'if-not-present' | 'never';

export interface JobImage {
  readonly name: string;
  /** Docker Entrypoint override; `[""]` clears the image's entrypoint. Absent: keep it. */
  readonly entrypoint?: readonly string[];
  readonly pull_policy?: readonly PullPolicy[];
  readonly executor_opts?: {
    readonly docker?: { readonly user?: string; readonly platform?: string };
  };
  readonly ports?: readonly {
    readonly number: number;
    readonly protocol?: string;
    readonly name?: string;
  }[];
}

export interface JobServiceVariable {
  readonly key: string;
  readonly value: string;
}

export interface JobService extends JobImage {
  /** One alias or several separated by commas or spaces (GitLab's `service_multiple_aliases`). */
  readonly alias?: string;
  readonly command?: readonly string[];
  readonly variables?: readonly JobServiceVariable[];
}

export type ArtifactWhen = 'on_success' | 'on_failure' | 'always';

export interface JobArtifact {
  readonly name?: string;
  readonly untracked: boolean;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly when: ArtifactWhen;
  readonly artifact_type: string;
  readonly artifact_format: string;
  readonly expire_in?: string;
}

export type CachePolicy = 'pull' | 'push' | 'pull-push';

export interface JobCache {
  readonly key: string;
  readonly untracked: boolean;
  readonly policy: CachePolicy;
  readonly paths: readonly string[];
  readonly when: ArtifactWhen;
  readonly fallback_keys: readonly string[];
}

export interface JobCredential {
  readonly type: 'registry';
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface JobDependency {
  readonly id: number;
  readonly name: string;
  readonly token: string;
  readonly artifacts_file?: { readonly filename: string; readonly size: number };
}

export interface JobGitInfo {
  readonly repo_url: string;
  readonly ref: string;
  readonly sha: string;
  readonly before_sha: string;
  readonly ref_type: 'branch' | 'tag';
  readonly refspecs: readonly string[];
  /** 0 = full history. */
  readonly depth: number;
  readonly protected?: boolean;
}

export interface JobInfo {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly pipeline_id: number;
  readonly project_id: number;
  readonly project_name: string;
  readonly project_full_path?: string;
}

export interface JobSpec {
  readonly id: number;
  /** The job token: a secret; masked in every trace. */
  readonly token: string;
  readonly allow_git_fetch: boolean;
  readonly job_info: JobInfo;
  readonly git_info: JobGitInfo;
  /** `timeout` in seconds (0 → 7200, as GitLab Runner). */
  readonly runner_info: { readonly timeout: number };
  readonly variables: readonly JobVariable[];
  readonly steps: readonly JobStep[];
  readonly image?: JobImage;
  readonly services: readonly JobService[];
  readonly artifacts: readonly JobArtifact[];
  readonly cache: readonly JobCache[];
  readonly credentials: readonly JobCredential[];
  readonly dependencies: readonly JobDependency[];
  readonly features?: {
    readonly trace_sections?: boolean;
    readonly token_mask_prefixes?: readonly string[];
    readonly failure_reasons?: readonly string[];
  };
}

/** Why a job failed, as sent in `PUT /jobs/:id` (`failure_reason`). */
export type FailureReason =
  | 'script_failure'
  | 'runner_system_failure'
  | 'job_execution_timeout'
  | 'runner_configuration_error'
  | 'image_pull_failure'
  | 'runner_unsupported'
  | 'unknown_failure'
  /** GitLab's own (it fails such a job before a runner gets it); local pipelines use it. */
  | 'missing_dependency_failure';
