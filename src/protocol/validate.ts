/**
 * Validation of every JSON body of the runner API, for both ends: the coordinator checks what
 * runners send, the runner checks the job payload and token answers it receives. The
 * `Validator<…>` annotations make the compiler prove each validator yields its wire type.
 */
import type { FailureReason, JobSpec } from './job-spec.js';
import type {
  JobRequest,
  RegisterRunnerRequest,
  RunnerInfo,
  UnregisterRunnerRequest,
  UpdateJobRequest,
  VerifyRunnerRequest,
} from './requests.js';
import type { RunnerTokenResponse } from './responses.js';
import {
  array,
  boolean,
  integer,
  map,
  nullable,
  number,
  object,
  oneOf,
  optional,
  record,
  string,
  type Validation,
  type Validator,
} from './validator.js';

export const FAILURE_REASONS: readonly FailureReason[] = [
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
  'runner_configuration_error',
  'image_pull_failure',
  'runner_unsupported',
  'unknown_failure',
];

/** Runners send reasons this version does not know (`runner_interrupted`…): GitLab's fallback. */
const failureReason: Validator<FailureReason> = map(string, (text) =>
  (FAILURE_REASONS as readonly string[]).includes(text)
    ? (text as FailureReason)
    : 'unknown_failure',
);

const runnerInfo: Validator<RunnerInfo> = object({
  name: optional(string),
  version: optional(string),
  revision: optional(string),
  platform: optional(string),
  architecture: optional(string),
  executor: optional(string),
  shell: optional(string),
  features: optional(record(boolean)),
});

const registerRunnerRequest: Validator<RegisterRunnerRequest> = object({
  token: string,
  description: optional(string),
  maintenance_note: optional(string),
  tag_list: optional(string),
  run_untagged: optional(boolean),
  locked: optional(boolean),
  access_level: optional(oneOf(['not_protected', 'ref_protected'])),
  maximum_timeout: optional(integer(0)),
  paused: optional(boolean),
  info: optional(runnerInfo),
});

const verifyRunnerRequest: Validator<VerifyRunnerRequest> = object({
  token: string,
  system_id: optional(string),
  info: optional(runnerInfo),
});

const unregisterRunnerRequest: Validator<UnregisterRunnerRequest> = object({
  token: string,
  system_id: optional(string),
});

const jobRequest: Validator<JobRequest> = object({
  token: string,
  system_id: optional(string),
  last_update: optional(string),
  info: optional(runnerInfo),
  session: optional(
    object({
      url: optional(string),
      certificate: optional(string),
      authorization: optional(string),
    }),
  ),
});

const updateJobRequest: Validator<UpdateJobRequest> = object({
  token: string,
  info: optional(runnerInfo),
  state: oneOf(['running', 'success', 'failed']),
  failure_reason: optional(failureReason),
  exit_code: optional(integer()),
  checksum: optional(string),
  output: optional(object({ checksum: optional(string), bytesize: optional(integer(0)) })),
});

const runnerTokenResponse: Validator<RunnerTokenResponse> = object({
  id: integer(0),
  token: string,
  token_expires_at: optional(nullable(string)),
});

const strings = array(string);
const when = oneOf(['on_success', 'on_failure', 'always']);

const image = {
  name: string,
  entrypoint: optional(strings),
  pull_policy: optional(array(oneOf(['always', 'if-not-present', 'never']))),
  executor_opts: optional(
    object({
      docker: optional(object({ user: optional(string), platform: optional(string) })),
    }),
  ),
  ports: optional(
    array(object({ number: integer(0), protocol: optional(string), name: optional(string) })),
  ),
};

const jobSpec: Validator<JobSpec> = object({
  id: integer(0),
  token: string,
  allow_git_fetch: boolean,
  job_info: object({
    id: integer(0),
    name: string,
    stage: string,
    pipeline_id: integer(0),
    project_id: integer(0),
    project_name: string,
    project_full_path: optional(string),
  }),
  git_info: object({
    repo_url: string,
    ref: string,
    sha: string,
    before_sha: string,
    ref_type: oneOf(['branch', 'tag']),
    refspecs: strings,
    depth: integer(0),
    protected: optional(boolean),
  }),
  runner_info: object({ timeout: integer(0) }),
  variables: array(
    object({
      key: string,
      value: string,
      public: boolean,
      masked: boolean,
      file: boolean,
      raw: boolean,
    }),
  ),
  steps: array(
    object({
      name: string,
      script: strings,
      timeout: integer(0),
      when,
      allow_failure: boolean,
    }),
  ),
  image: optional(object(image)),
  services: array(
    object({
      ...image,
      alias: optional(string),
      command: optional(strings),
      variables: optional(array(object({ key: string, value: string }))),
    }),
  ),
  artifacts: array(
    object({
      name: optional(string),
      untracked: boolean,
      paths: strings,
      exclude: strings,
      when,
      artifact_type: string,
      artifact_format: string,
      expire_in: optional(string),
    }),
  ),
  cache: array(
    object({
      key: string,
      untracked: boolean,
      policy: oneOf(['pull', 'push', 'pull-push']),
      paths: strings,
      when,
      fallback_keys: strings,
    }),
  ),
  credentials: array(
    object({ type: oneOf(['registry']), url: string, username: string, password: string }),
  ),
  dependencies: array(
    object({
      id: integer(0),
      name: string,
      token: string,
      artifacts_file: optional(object({ filename: string, size: number })),
    }),
  ),
  features: optional(
    object({
      trace_sections: optional(boolean),
      token_mask_prefixes: optional(strings),
      failure_reasons: optional(strings),
    }),
  ),
});

export function validateRegisterRunnerRequest(value: unknown): Validation<RegisterRunnerRequest> {
  return registerRunnerRequest(value, '');
}

export function validateVerifyRunnerRequest(value: unknown): Validation<VerifyRunnerRequest> {
  return verifyRunnerRequest(value, '');
}

export function validateUnregisterRunnerRequest(
  value: unknown,
): Validation<UnregisterRunnerRequest> {
  return unregisterRunnerRequest(value, '');
}

export function validateJobRequest(value: unknown): Validation<JobRequest> {
  return jobRequest(value, '');
}

export function validateUpdateJobRequest(value: unknown): Validation<UpdateJobRequest> {
  return updateJobRequest(value, '');
}

export function validateRunnerTokenResponse(value: unknown): Validation<RunnerTokenResponse> {
  return runnerTokenResponse(value, '');
}

/** The job payload of a `201` answer to `POST /jobs/request`. */
export function validateJobSpec(value: unknown): Validation<JobSpec> {
  return jobSpec(value, '');
}

/** `"a, b,,c"` → `['a', 'b', 'c']`: GitLab's `tag_list` form. */
export function parseTagList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}
