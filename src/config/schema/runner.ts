import { cacheSection } from './cache.js';
import { dockerSection } from './docker.js';
import { machineSection } from './machine.js';
import { recognisedOnly, type KeyDecl, type SectionDecl } from './types.js';

/** Executors dockhand runs. */
export const DOCKHAND_EXECUTORS = ['shell', 'docker', 'docker+machine'] as const;

/** Executors GitLab Runner knows; dockhand recognises them and says it cannot run them. */
export const GITLAB_ONLY_EXECUTORS = [
  'docker-windows',
  'docker-autoscaler',
  'instance',
  'kubernetes',
  'ssh',
  'parallels',
  'virtualbox',
  'custom',
] as const;

const honouredKeys: readonly KeyDecl[] = [
  {
    name: 'name',
    kind: 'string',
    honoured: true,
    default: '',
    description: 'Runner name, shown in job logs; must be unique within the file.',
  },
  {
    name: 'url',
    kind: 'string',
    honoured: true,
    description: 'GitLab (or dockhand coordinator) base URL. Not needed for local runs.',
  },
  {
    name: 'token',
    kind: 'string',
    honoured: true,
    description: 'Runner authentication token (glrt-…). Not needed for local runs.',
  },
  {
    name: 'executor',
    kind: 'string',
    honoured: true,
    values: [...DOCKHAND_EXECUTORS, ...GITLAB_ONLY_EXECUTORS],
    valuesHint: `dockhand runs: ${DOCKHAND_EXECUTORS.join(', ')}`,
    description: `How jobs run. dockhand runs ${DOCKHAND_EXECUTORS.join(', ')}.`,
  },
  {
    name: 'limit',
    kind: 'integer',
    honoured: true,
    default: 0,
    description:
      'Jobs this runner runs at once; 0 is unlimited (concurrent still applies). For docker+machine also the cap on VMs.',
  },
  {
    name: 'request_concurrency',
    kind: 'integer',
    honoured: true,
    default: 1,
    description: 'Job requests in flight at once; values below 1 mean 1.',
  },
  {
    name: 'output_limit',
    kind: 'integer',
    honoured: true,
    default: 4096,
    description: 'Largest job log in KiB; further output is dropped with a notice.',
  },
  {
    name: 'builds_dir',
    kind: 'string',
    honoured: true,
    defaultText: 'executor default (/builds in containers)',
    description: 'Where projects are checked out (CI_BUILDS_DIR).',
  },
  {
    name: 'cache_dir',
    kind: 'string',
    honoured: true,
    defaultText: 'executor default (/cache in containers)',
    description: 'Local cache root; with docker it must be in volumes to persist.',
  },
  {
    name: 'environment',
    kind: 'string-list',
    honoured: true,
    default: [],
    description: 'KEY=VALUE variables for every job, below job variables in precedence.',
  },
  {
    name: 'pre_build_script',
    kind: 'string',
    honoured: true,
    description: 'Script run before before_script, in the same shell.',
  },
  {
    name: 'post_build_script',
    kind: 'string',
    honoured: true,
    description: 'Script run after script, in the same shell; skipped after a failure.',
  },
  {
    name: 'tag_list',
    kind: 'string-or-list',
    honoured: true,
    default: [],
    dockhandOnly: true,
    description:
      'dockhand key: tags of this runner for local runs (GitLab keeps tags on the server). Written by dockhand register --tag-list. A comma-separated string is accepted too.',
  },
  {
    name: 'run_untagged',
    kind: 'boolean',
    honoured: true,
    defaultText: 'true when tag_list is empty, else false',
    dockhandOnly: true,
    description: 'dockhand key: whether this runner picks jobs that have no tags.',
  },
  {
    name: 'feature_flags',
    kind: 'bool-map',
    honoured: true,
    description:
      '[runners.feature_flags]: FF_* = true/false; wins over a job variable of the same name.',
  },
  {
    name: 'strict_check_interval',
    kind: 'boolean',
    honoured: true,
    default: false,
    description:
      'false: after getting a job, ask again at once (until no job, limit or concurrent); true: wait check_interval.',
  },
  {
    name: 'unhealthy_requests_limit',
    kind: 'integer',
    honoured: true,
    default: 3,
    description:
      'Job requests refused (403) in a row before this runner stops asking for unhealthy_interval.',
  },
  {
    name: 'unhealthy_interval',
    kind: 'go-duration',
    honoured: true,
    defaultText: '`"60m"`',
    description: 'How long a runner that hit unhealthy_requests_limit stops asking for jobs.',
  },
  {
    name: 'job_status_final_update_retry_limit',
    kind: 'integer',
    honoured: true,
    default: 10,
    description: 'Retries of the final job update (PUT /jobs/:id), with backoff, before giving up.',
  },
];

const recognisedKeys = recognisedOnly([
  ['id', 'integer', 'Runner id, written by gitlab-runner register.'],
  ['token_obtained_at', 'datetime', 'When the token was obtained.'],
  ['token_expires_at', 'datetime', 'When the token expires.'],
  ['tls-ca-file', 'string', 'CA certificates trusted for GitLab.'],
  ['tls-cert-file', 'string', 'Client certificate for GitLab.'],
  ['tls-key-file', 'string', 'Client key for GitLab.'],
  ['shell', 'string', 'bash, sh, pwsh or powershell.'],
  ['clone_url', 'string', 'Scheme and host used for git clone.'],
  ['pre_get_sources_script', 'string', 'Script run before fetching sources.'],
  ['post_get_sources_script', 'string', 'Script run after fetching sources.'],
  ['debug_trace_disabled', 'boolean', 'Ignore CI_DEBUG_TRACE.'],
  ['clean_git_config', 'boolean', 'Wipe git config before and after the job.'],
  ['safe_directory_checkout', 'boolean', 'Add safe.directory for the project dir.'],
  ['prepare_timeout', 'go-duration', 'Deadline of the prepare stage.'],
  ['get_sources_timeout', 'go-duration', 'Deadline of the get-sources stage.'],
  ['proxy_exec', 'boolean', 'Experimental: run the helper as a proxy.'],
  ['step_runner_image', 'string', 'Experimental: step-runner image.'],
  ['labels', 'string-map', 'Custom labels of this runner.'],
  ['use_slot_cgroups', 'boolean', 'Experimental: one cgroup per job slot.'],
  ['slot_cgroup_template', 'string', 'Experimental: template of slot cgroups.'],
  ['autoscaler', 'table', '[runners.autoscaler]: the docker-autoscaler / instance executors.'],
  ['kubernetes', 'table', '[runners.kubernetes]: the kubernetes executor.'],
  ['ssh', 'table', '[runners.ssh]: the ssh executor.'],
  ['custom', 'table', '[runners.custom]: the custom executor.'],
  ['parallels', 'table', '[runners.parallels]: the parallels executor.'],
  ['virtualbox', 'table', '[runners.virtualbox]: the virtualbox executor.'],
  ['referees', 'table', '[runners.referees]: job metrics referees.'],
  ['experimental', 'table', '[runners.experimental]: experimental settings (boot_verify).'],
]);

export const customBuildDirSection: SectionDecl = {
  header: '[runners.custom_build_dir]',
  description: 'Whether jobs may choose their checkout path with GIT_CLONE_PATH.',
  keys: recognisedOnly([['enabled', 'boolean', 'Allow GIT_CLONE_PATH (true for docker).']]),
  children: [],
};

export const artifactSection: SectionDecl = {
  header: '[runners.artifact]',
  description: 'Artifact transfer timeouts.',
  keys: recognisedOnly([
    ['upload_timeout', 'go-duration', 'Deadline of an artifact upload ("1h").'],
    ['response_header_timeout', 'go-duration', 'Deadline for response headers ("10m").'],
  ]),
  children: [],
};

export const runnerSection: SectionDecl = {
  header: '[[runners]]',
  description: 'One runner: where it takes jobs from and how it runs them.',
  keys: [...honouredKeys, ...recognisedKeys],
  children: [
    { name: 'docker', array: false, section: dockerSection },
    { name: 'cache', array: false, section: cacheSection },
    { name: 'machine', array: false, section: machineSection },
    { name: 'custom_build_dir', array: false, section: customBuildDirSection },
    { name: 'artifact', array: false, section: artifactSection },
  ],
};
