/**
 * The typed result of parsing a config.toml. Field names are camelCase versions of the TOML keys
 * (`allowed_images` → `allowedImages`, `MaxBuilds` → `maxBuilds`). Only keys dockhand honours
 * appear here; every other recognised key is reported as a warning and dropped.
 */
import type { ConfigProblem } from './problems.js';

export type ExecutorName = 'shell' | 'docker' | 'docker+machine';
export type PullPolicy = 'always' | 'if-not-present' | 'never';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'panic';

/** Where a value came from: the file, GitLab Runner's default, or a dockhand secure default. */
export type SettingSource = 'explicit' | 'default' | 'secure-default';

export interface SourcePosition {
  /** 1-based line of the key or table header in the file. */
  readonly line: number;
  readonly column: number;
}

export interface RunnerConfig {
  /** Jobs running at once across all runners (≥ 1). */
  readonly concurrent: number;
  /** Seconds between job requests of each runner. */
  readonly checkInterval: number;
  readonly logLevel: LogLevel;
  /** Seconds a forced shutdown may take. */
  readonly shutdownTimeout: number;
  /** The [[runners]] dockhand can run, in file order (see RunnerSection.index). */
  readonly runners: readonly RunnerSection[];
}

export interface RunnerSection {
  /** Position among the [[runners]] of the file (key paths say `runners[index]`). */
  readonly index: number;
  readonly position: SourcePosition;
  readonly name: string;
  /** Absent for runners used only for local runs. `$VAR` is not expanded here. */
  readonly url: string | undefined;
  /** A secret: never log it. Absent for runners used only for local runs. */
  readonly token: string | undefined;
  readonly executor: ExecutorName;
  /** Jobs this runner runs at once; 0 = unlimited. */
  readonly limit: number;
  /** Job requests in flight at once (≥ 1). */
  readonly requestConcurrency: number;
  /** `strict_check_interval`: wait check_interval after getting a job instead of asking again. */
  readonly strictCheckInterval: boolean;
  /** `unhealthy_requests_limit`: refused job requests in a row before pausing (≥ 1). */
  readonly unhealthyRequestsLimit: number;
  /** `unhealthy_interval` in ms: how long the pause lasts. */
  readonly unhealthyIntervalMs: number;
  /** `job_status_final_update_retry_limit`: retries of the final job update (≥ 1). */
  readonly finalUpdateRetryLimit: number;
  /** Largest job log, in KiB. */
  readonly outputLimit: number;
  readonly buildsDir: string | undefined;
  readonly cacheDir: string | undefined;
  /** `KEY=VALUE` entries, in file order. */
  readonly environment: readonly string[];
  readonly preBuildScript: string | undefined;
  readonly postBuildScript: string | undefined;
  /** dockhand key: tags for local runs. */
  readonly tagList: readonly string[];
  /** dockhand key: pick jobs without tags. Defaults to `tagList.length === 0`. */
  readonly runUntagged: boolean;
  /** `[runners.feature_flags]`: FF_* → on/off. */
  readonly featureFlags: Readonly<Record<string, boolean>>;
  /** `[runners.docker]`; present (with defaults) for docker and docker+machine even if absent. */
  readonly docker: DockerSettings | undefined;
  /** `[runners.machine]`, when written. */
  readonly machine: MachineSettings | undefined;
  /** `[runners.cache]`, when written (not honoured yet). */
  readonly cache: CacheSettings | undefined;
}

export interface VolumeSpec {
  /** As written. */
  readonly raw: string;
  /** `cache`: "/path", a per-project cache volume; `bind`: "source:/path[:mode]". */
  readonly kind: 'cache' | 'bind';
  /** Host path or named volume, for `bind`. */
  readonly source: string | undefined;
  /** Path inside the container. */
  readonly target: string;
  readonly readOnly: boolean;
  /** The mode part as written ("ro", "rw,z", …), if any. */
  readonly mode: string | undefined;
}

export interface DockerSettings {
  readonly host: string | undefined;
  readonly tlsVerify: boolean;
  readonly tlsCertPath: string | undefined;
  /** Default job image. */
  readonly image: string | undefined;
  readonly privileged: boolean;
  /** Resolved: `services_privileged`, else `privileged`. */
  readonly servicesPrivileged: boolean;
  readonly allowedImages: readonly string[];
  readonly allowedServices: readonly string[];
  readonly allowedPrivilegedImages: readonly string[];
  readonly allowedPrivilegedServices: readonly string[];
  /** Resolved: `allowed_pull_policies`, else `pullPolicy`. */
  readonly allowedPullPolicies: readonly PullPolicy[];
  /** In the order to try; default `['always']`. */
  readonly pullPolicy: readonly PullPolicy[];
  readonly allowedUsers: readonly string[];
  readonly user: string | undefined;
  readonly disableEntrypointOverwrite: boolean;
  /** `secure-default`: not set in the file and turned on because allowedImages is non-empty. */
  readonly disableEntrypointOverwriteSource: SettingSource;
  readonly disableCache: boolean;
  readonly cacheDir: string | undefined;
  /** Only the valid entries; invalid ones are reported as errors. */
  readonly volumes: readonly VolumeSpec[];
  /** Bytes; 0 = Docker default. */
  readonly shmSize: number;
  readonly networkMode: string | undefined;
  readonly extraHosts: readonly string[];
  /** Docker size string as written ("512m"). */
  readonly memory: string | undefined;
  /** Bytes of `memory`, when set. */
  readonly memoryBytes: number | undefined;
  /** As written ("1.5"). */
  readonly cpus: string | undefined;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly devices: readonly string[];
  readonly dns: readonly string[];
  /** Seconds; -1 = do not wait. 0 in the file means 30. */
  readonly waitForServicesTimeout: number;
  readonly helperImage: string | undefined;
}

export interface IdleSettings {
  readonly idleCount: number;
  readonly idleCountMin: number;
  readonly idleScaleFactor: number;
  /** Seconds. */
  readonly idleTime: number;
}

export interface AutoscalingPeriod extends IdleSettings {
  /** Valid cron expressions only (invalid ones are reported as errors). */
  readonly periods: readonly string[];
  /** IANA zone; undefined = host local time. */
  readonly timezone: string | undefined;
}

export interface MachineSettings extends IdleSettings {
  readonly maxGrowthRate: number;
  readonly maxBuilds: number;
  /** Any string; the machine layer says which drivers are available. */
  readonly machineDriver: string | undefined;
  /** Contains `%s` when the config has no errors. */
  readonly machineName: string | undefined;
  readonly machineOptions: readonly string[];
  readonly autoscaling: readonly AutoscalingPeriod[];
}

export type CacheType = 's3' | 'gcs' | 'azure';

/** Recognised for reporting; the distributed cache is not honoured yet. */
export interface CacheSettings {
  readonly type: CacheType | undefined;
  readonly path: string | undefined;
  readonly shared: boolean;
}

export interface ParseConfigResult {
  /** Best effort even when there are errors; act on it only when `errors` is empty. */
  readonly config: RunnerConfig;
  readonly warnings: readonly ConfigProblem[];
  readonly errors: readonly ConfigProblem[];
}
