import type { Readable } from 'node:stream';

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
 * are passed in, never fetched from a module-level singleton. Only src/engine knows dockerode.
 */
export interface Engine {
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
}
