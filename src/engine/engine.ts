import type { Readable } from 'node:stream';
import type {
  AttachedStreams,
  ContainerInfo,
  ContainerSpec,
  ExecSpec,
  LogsOptions,
  ManagedResource,
  NetworkSpec,
  OutputSink,
  PullOptions,
  TarStream,
  VolumeSpec,
} from './container-types.js';

export type * from './container-types.js';

/** Progress of a long engine operation (pull, build, import), one human-readable line at a time. */
export type ProgressListener = (line: string) => void;

export interface ImageSummary {
  /** `sha256:…` */
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly entrypoint: readonly string[] | null;
  readonly cmd: readonly string[] | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly exposedPorts: readonly string[];
}

export interface ImportOptions {
  /** `name:tag` to give the imported image. */
  readonly tag: string;
  /** Dockerfile instructions applied on import (`CMD ["sh"]`, `ENV PATH=…`, `LABEL …`). */
  readonly changes?: readonly string[];
}

export interface BuildOptions {
  readonly tag: string;
  readonly dockerfile?: string;
  /** `none` keeps builds offline (no RUN step may reach a network). */
  readonly networkMode?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * dockhand's view of one Docker engine. One instance per daemon (the host's, or a VM's): engines
 * are passed in, never fetched from a module-level singleton. Only src/engine speaks the Engine API.
 */
export interface Engine {
  /**
   * True when this process can open TCP connections to container IPs on the engine's bridge
   * networks (a local, rootful engine on Linux). Remote and rootless engines: false.
   */
  readonly reachesContainerIps: boolean;
  /** Resolves when the engine answers `/_ping`; rejects with EnvironmentError otherwise. */
  ping(signal?: AbortSignal): Promise<void>;
  /** `{ version, apiVersion, os, arch }` of the daemon. */
  version(): Promise<{ version: string; apiVersion: string; os: string; arch: string }>;
  /** The image if present locally; undefined when absent. */
  inspectImage(ref: string): Promise<ImageSummary | undefined>;
  /** `docker import`: a root filesystem tar stream becomes an image. Returns the image id. */
  importImage(
    tar: Readable,
    options: ImportOptions,
    onProgress?: ProgressListener,
  ): Promise<string>;
  /** `docker build` from a build-context tar stream. Returns the image id. */
  buildImage(
    context: Readable,
    options: BuildOptions,
    onProgress?: ProgressListener,
  ): Promise<string>;
  /** `docker tag`. */
  tagImage(source: string, target: string): Promise<void>;
  /**
   * `docker save`: one tar stream (docker-archive format) holding `refs` with their tags. The
   * stream is produced as it is read; an unknown ref rejects before any data.
   */
  exportImages(refs: readonly string[]): Promise<Readable>;

  /**
   * `docker pull`. Blocks until the image is there; rejects with EnvironmentError on an in-band
   * or HTTP error. Honours `options.signal` (the request is aborted). Never logs credentials.
   */
  pullImage(ref: string, options: PullOptions, onProgress?: ProgressListener): Promise<void>;

  /** `docker create`. Returns the container id. Not idempotent (names must be unique). */
  createContainer(spec: ContainerSpec): Promise<string>;
  /**
   * Attaches to stdin/stdout/stderr before start (hijacked connection, output demultiplexed into
   * `sink`). Resolves once the connection is established. Call once per start.
   */
  attachContainer(id: string, sink: OutputSink): Promise<AttachedStreams>;
  /** `docker start`. Starting a running container is a no-op (idempotent). */
  startContainer(id: string): Promise<void>;
  /**
   * Blocks until the container is not running and returns its exit code. Rejects when `signal`
   * aborts (the container keeps running: stop it separately).
   */
  waitContainer(id: string, signal?: AbortSignal): Promise<number>;
  /** `docker stop -t grace`: SIGTERM, then SIGKILL after `graceSeconds`. Idempotent. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** `docker kill`. A container that is not running is ignored (idempotent). */
  killContainer(id: string, signal?: string): Promise<void>;
  /**
   * `docker exec` in a running container, detached (no streams); blocks until the command ends
   * and returns its exit code. Rejects when the container is not running or `spec.signal` aborts.
   */
  execInContainer(id: string, spec: ExecSpec): Promise<number>;
  /** `docker rm -f -v`. A missing container is ignored (idempotent). */
  removeContainer(id: string): Promise<void>;
  /** Combined stdout and stderr logs as text. */
  containerLogs(id: string, options?: LogsOptions): Promise<string>;
  /** `docker inspect`; undefined when the container does not exist. */
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  /**
   * Extracts a tar stream at `path` inside a created (not necessarily started) container; the
   * path may be inside a mounted volume. Blocks until the engine has read the whole stream.
   */
  putArchive(id: string, path: string, tar: TarStream): Promise<void>;
  /**
   * A tar stream of `path` (file or directory, its last element as the top entry) in a created
   * or stopped container, like `docker cp`; the path may be inside a mounted volume.
   */
  getArchive(id: string, path: string): Promise<TarStream>;

  /** `docker network create`; returns its id. */
  createNetwork(spec: NetworkSpec): Promise<string>;
  /** `docker network rm`; missing networks are ignored (idempotent). */
  removeNetwork(idOrName: string): Promise<void>;
  /** `docker network connect --alias …`. */
  connectNetwork(network: string, container: string, aliases?: readonly string[]): Promise<void>;

  /** `docker volume create`; returns the volume name. Creating an existing name is a no-op. */
  createVolume(spec: VolumeSpec): Promise<string>;
  /** `docker volume rm -f`; missing volumes are ignored (idempotent). */
  removeVolume(name: string): Promise<void>;

  /**
   * Containers (running or not), networks and volumes carrying every label of `labels`
   * (`key=value`, or `key` alone for "has the label").
   */
  listByLabels(labels: readonly string[]): Promise<ManagedResource[]>;
}
