import type { PullPolicy } from '../../protocol/job-spec.js';

/**
 * The `[runners.docker]` keys the docker executor uses, already parsed and defaulted by the
 * config layer (the CLI maps config.toml onto this). Names follow TOML keys where one exists.
 * Sizes are bytes and CPUs a number so that this folder never parses `"512m"`.
 */
export interface DockerExecutorSettings {
  /** Default job image (`image`); exempt from `allowed_images`. */
  readonly image: string;
  readonly privileged: boolean;
  /** Unset: inherit `privileged`. */
  readonly services_privileged?: boolean;
  /** `docker run -v` entries: `/cache` (cache-style) or `host:ctr[:ro|rw]` (bind). */
  readonly volumes: readonly string[];
  readonly disable_cache: boolean;
  /** When set, cache-style volumes become host directories under it. */
  readonly cache_dir?: string;
  /** Bytes; 0 = Docker's default. */
  readonly shm_size: number;
  /** Unset: dockhand's per-job network when the job has services, else the default bridge. */
  readonly network_mode?: string;
  /** `name:ip` entries. */
  readonly extra_hosts: readonly string[];
  /** Bytes; 0 = unlimited. */
  readonly memory: number;
  /** CPUs (e.g. 1.5); 0 = unlimited. */
  readonly cpus: number;
  readonly cap_add: readonly string[];
  readonly cap_drop: readonly string[];
  readonly security_opt: readonly string[];
  readonly devices: readonly string[];
  /** Build container user; takes precedence over the job's `image:docker:user`. */
  readonly user?: string;
  readonly dns: readonly string[];
  /** Seconds; 0 → 30; -1 → skip the readiness check (GitLab semantics). */
  readonly wait_for_services_timeout: number;
  /** Runner pull policy, tried in order. GitLab's default is `[always]`. */
  readonly pull_policy: readonly PullPolicy[];
  /** Empty: same as `pull_policy`. */
  readonly allowed_pull_policies: readonly PullPolicy[];
  /** `allowed_images` globs; empty = all allowed. */
  readonly allowedImages: readonly string[];
  /** `allowed_services` globs; empty = all allowed. */
  readonly allowedServices: readonly string[];
  readonly allowedPrivilegedImages: readonly string[];
  readonly allowedPrivilegedServices: readonly string[];
  readonly allowedUsers: readonly string[];
  /**
   * The effective `disable_entrypoint_overwrite`. The config layer makes it true by default when
   * `allowed_images` is set (dockhand closes the entrypoint hole of seed setup 1); an explicit
   * `disable_entrypoint_overwrite = false` turns it off.
   */
  readonly disableEntrypointOverwrite: boolean;
  /**
   * Image for non-user stages (prepare, sources, cache, artifacts, cleanup). Unset: those stages
   * run in a sibling of the build container with the image's ENTRYPOINT cleared.
   */
  readonly helperImage?: string;
  /** A local busybox image for the in-network readiness probe (remote engines only). */
  readonly probeImage?: string;
  /** The runner's name in config.toml, for policy messages. */
  readonly runnerName?: string;
  /** Hostname of this machine for `Running on … via <host>...`. Defaults to os.hostname(). */
  readonly runnerHost?: string;
  /** Grace period of a cancelled stage before SIGKILL, seconds (default 10). */
  readonly stopGraceSeconds?: number;
}

/** GitLab Runner's defaults for every optional behaviour, with the job image `image`. */
export function defaultDockerSettings(image: string): DockerExecutorSettings {
  return {
    image,
    privileged: false,
    volumes: [],
    disable_cache: false,
    shm_size: 0,
    extra_hosts: [],
    memory: 0,
    cpus: 0,
    cap_add: [],
    cap_drop: [],
    security_opt: [],
    devices: [],
    dns: [],
    wait_for_services_timeout: 30,
    pull_policy: ['always'],
    allowed_pull_policies: [],
    allowedImages: [],
    allowedServices: [],
    allowedPrivilegedImages: [],
    allowedPrivilegedServices: [],
    allowedUsers: [],
    disableEntrypointOverwrite: false,
  };
}
