import type { Readable } from 'node:stream';

/**
 * A container to create, in dockhand's own terms. Field names follow `docker run` flags rather
 * than the Engine API so callers never need to know the API's shape; src/engine maps them.
 */
export interface ContainerSpec {
  /** Container name; the engine picks one when absent. */
  readonly name?: string;
  readonly image: string;
  /**
   * Absent: keep the image's ENTRYPOINT. `[]` or `[""]`: clear it (Docker ≥ 17.06 semantics of
   * `--entrypoint ""`). Otherwise: replace it.
   */
  readonly entrypoint?: readonly string[];
  /** Absent: the image's CMD. */
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly hostname?: string;
  readonly user?: string;
  readonly workingDir?: string;
  /** `docker run -v` syntax: `volume-or-host-path:container-path[:ro|rw]`. */
  readonly binds?: readonly string[];
  /** Container paths that get an anonymous volume (`docker run -v /path`). */
  readonly anonymousVolumes?: readonly string[];
  /**
   * `--mount type=volume,dst=<target>` without a source: an anonymous volume that carries labels
   * and is removed with the container (`docker rm -v`).
   */
  readonly labelledVolumes?: readonly {
    readonly target: string;
    readonly labels: Readonly<Record<string, string>>;
  }[];
  /** `--volumes-from`: container ids or names, optionally with `:ro`. */
  readonly volumesFrom?: readonly string[];
  /** `--network`: a network name or `bridge` / `host` / `none`. Absent: the default bridge. */
  readonly network?: string;
  /** `--network-alias`, only meaningful on a user-defined network. */
  readonly networkAliases?: readonly string[];
  readonly privileged?: boolean;
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly securityOpt?: readonly string[];
  /** `--device` syntax: `host-path[:container-path[:permissions]]`. */
  readonly devices?: readonly string[];
  readonly dns?: readonly string[];
  /** `--add-host` syntax: `name:ip`. */
  readonly extraHosts?: readonly string[];
  /** Bytes; 0 or absent keeps Docker's default (64 MiB). */
  readonly shmSize?: number;
  /** Bytes; 0 or absent means unlimited. */
  readonly memory?: number;
  /** CPU quota in units of 1e-9 CPUs; 0 or absent means unlimited. */
  readonly nanoCpus?: number;
  /** `--init`: an init process as PID 1 that forwards signals and reaps zombies. */
  readonly init?: boolean;
  /** Keep stdin open and close it after the first attach ends (GitLab's stdin mechanism). */
  readonly openStdin?: boolean;
}

export interface ContainerNetworkInfo {
  readonly ipAddress: string;
  readonly aliases: readonly string[];
}

export interface ContainerInfo {
  readonly id: string;
  /** Without the leading slash. */
  readonly name: string;
  readonly image: string;
  readonly running: boolean;
  /** Exit code of the last run; 0 while never run. */
  readonly exitCode: number;
  /** `2375/tcp` style, from the image and the container config. */
  readonly exposedPorts: readonly string[];
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Keyed by network name. */
  readonly networks: Readonly<Record<string, ContainerNetworkInfo>>;
}

/** Where attached output goes: one call per demultiplexed frame, stdout and stderr apart. */
export interface OutputSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/**
 * A live attach session (hijacked connection). Created before the container is started, as
 * `docker run` does, so that no output is lost.
 */
export interface AttachedStreams {
  /** Writes `data` to the container's stdin, then half-closes stdin (EOF for the shell). */
  sendStdin(data: string): Promise<void>;
  /** Resolves when the engine has closed the output side (the container's process ended). */
  readonly ended: Promise<void>;
  /** Tears the connection down; idempotent. */
  close(): void;
}

export interface ManagedResource {
  readonly kind: 'container' | 'network' | 'volume';
  /** Container/network id, or volume name. */
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface PullOptions {
  /** Registry credentials for this pull; never logged. */
  readonly auth?: {
    readonly username: string;
    readonly password: string;
    readonly serveraddress: string;
  };
  readonly signal?: AbortSignal;
}

export interface NetworkSpec {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Bridge by default. */
  readonly driver?: string;
}

export interface VolumeSpec {
  /** Absent: the engine generates a name. */
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface LogsOptions {
  /** Last N lines; absent: all. */
  readonly tail?: number;
}

/** A command run in a running container (`docker exec`), detached from this process. */
export interface ExecSpec {
  readonly cmd: readonly string[];
  /** Absent: the container's user. */
  readonly user?: string;
  /** Gives up waiting (the command keeps running in the container). */
  readonly signal?: AbortSignal;
}

/** The tar stream for `putArchive`. */
export type TarStream = Readable;
