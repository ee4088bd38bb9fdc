import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { EnvironmentError } from '../core/errors.js';
import type {
  AttachedStreams,
  BuildOptions,
  ContainerInfo,
  ContainerSpec,
  Engine,
  ImageSummary,
  ImportOptions,
  LogsOptions,
  ManagedResource,
  NetworkSpec,
  OutputSink,
  ProgressListener,
  PullOptions,
  TarStream,
  VolumeSpec,
} from './engine.js';
import * as containers from './dockerode-containers.js';
import * as resources from './dockerode-resources.js';
import { describeEndpoint, type EngineEndpoint } from './endpoint.js';
import { consumeProgress } from './progress-stream.js';
import { engineMessage, statusOf } from './engine-errors.js';

function dockerOptions(endpoint: EngineEndpoint): Docker.DockerOptions {
  if (endpoint.kind === 'unix') return { socketPath: endpoint.socketPath };
  const base = { host: endpoint.host, port: endpoint.port };
  if (!endpoint.tlsVerify || endpoint.tlsCertPath === undefined)
    return { ...base, protocol: 'http' };
  const dir = endpoint.tlsCertPath;
  return {
    ...base,
    protocol: 'https',
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    key: readFileSync(join(dir, 'key.pem')),
  };
}

export { engineMessage, statusOf } from './engine-errors.js';

/** The Engine over Docker's HTTP API, through dockerode. */
export class DockerodeEngine implements Engine {
  /** Exposed to other files of src/engine only (container and network operations). */
  readonly docker: Docker;

  readonly reachesContainerIps: boolean;

  constructor(readonly endpoint: EngineEndpoint) {
    this.docker = new Docker(dockerOptions(endpoint));
    // A rootless engine's socket lives under /run/user/<uid>; its bridges sit in another netns.
    this.reachesContainerIps =
      process.platform === 'linux' &&
      endpoint.kind === 'unix' &&
      !endpoint.socketPath.startsWith('/run/user/');
  }

  async ping(signal?: AbortSignal): Promise<void> {
    try {
      signal?.throwIfAborted();
      await this.docker.ping();
    } catch (error) {
      throw new EnvironmentError(
        'engine.unreachable',
        `no Docker engine answers at ${describeEndpoint(this.endpoint)}: ${engineMessage(error)}`,
        {
          hint: 'start Docker (scripts/engine-up does it on Debian as root), or point DOCKER_HOST at a running engine',
          cause: error,
        },
      );
    }
  }

  async version(): Promise<{ version: string; apiVersion: string; os: string; arch: string }> {
    const v = await this.docker.version();
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      const config = info.Config;
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        repoDigests: info.RepoDigests ?? [],
        entrypoint: toList(config.Entrypoint),
        cmd: toList(config.Cmd),
        labels: config.Labels ?? {},
        exposedPorts: Object.keys(config.ExposedPorts ?? {}),
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new EnvironmentError(
        'engine.inspect-image',
        `cannot inspect image ${ref}: ${engineMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async importImage(
    tar: Readable,
    options: ImportOptions,
    onProgress?: ProgressListener,
  ): Promise<string> {
    const [repo, tag] = splitTag(options.tag);
    const stream = (await this.docker.importImage(tar, {
      repo,
      tag,
      ...(options.changes === undefined ? {} : { changes: options.changes }),
    })) as unknown as Readable;
    await consumeProgress(stream, `import of ${options.tag}`, onProgress);
    return this.requireImageId(options.tag);
  }

  async buildImage(
    context: Readable,
    options: BuildOptions,
    onProgress?: ProgressListener,
  ): Promise<string> {
    const stream = (await this.docker.buildImage(context, {
      t: options.tag,
      dockerfile: options.dockerfile ?? 'Dockerfile',
      networkmode: options.networkMode ?? 'default',
      rm: true,
      forcerm: true,
      ...(options.labels === undefined ? {} : { labels: options.labels }),
      ...(options.buildArgs === undefined ? {} : { buildargs: options.buildArgs }),
    })) as unknown as Readable;
    await consumeProgress(stream, `build of ${options.tag}`, onProgress);
    return this.requireImageId(options.tag);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const [repo, tag] = splitTag(target);
    await this.docker.getImage(source).tag({ repo, tag });
  }

  async exportImages(refs: readonly string[]): Promise<Readable> {
    try {
      // `GET /images/get?names=…` (docker save); @types/dockerode lacks getImages.
      const docker = this.docker as unknown as {
        getImages(opts: { names: string[] }): Promise<NodeJS.ReadableStream>;
      };
      // dockerode takes an options object; a bare array would be read as options (empty save).
      return (await docker.getImages({ names: [...refs] })) as Readable;
    } catch (error) {
      throw new EnvironmentError(
        'engine.export-images',
        `cannot export ${refs.join(', ')}: ${engineMessage(error)}`,
        { cause: error },
      );
    }
  }

  pullImage(ref: string, options: PullOptions, onProgress?: ProgressListener): Promise<void> {
    return resources.pullImage(this.docker, ref, options, onProgress);
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    return containers.createContainer(this.docker, spec);
  }

  attachContainer(id: string, sink: OutputSink): Promise<AttachedStreams> {
    return containers.attachContainer(this.docker, id, sink);
  }

  startContainer(id: string): Promise<void> {
    return containers.startContainer(this.docker, id);
  }

  waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    return containers.waitContainer(this.docker, id, signal);
  }

  stopContainer(id: string, graceSeconds: number): Promise<void> {
    return containers.stopContainer(this.docker, id, graceSeconds);
  }

  killContainer(id: string, signal?: string): Promise<void> {
    return containers.killContainer(this.docker, id, signal);
  }

  removeContainer(id: string): Promise<void> {
    return containers.removeContainer(this.docker, id);
  }

  containerLogs(id: string, options?: LogsOptions): Promise<string> {
    return containers.containerLogs(this.docker, id, options);
  }

  inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    return containers.inspectContainer(this.docker, id);
  }

  putArchive(id: string, path: string, tar: TarStream): Promise<void> {
    return containers.putArchive(this.docker, id, path, tar);
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    return resources.createNetwork(this.docker, spec);
  }

  removeNetwork(idOrName: string): Promise<void> {
    return resources.removeNetwork(this.docker, idOrName);
  }

  connectNetwork(network: string, container: string, aliases?: readonly string[]): Promise<void> {
    return resources.connectNetwork(this.docker, network, container, aliases);
  }

  createVolume(spec: VolumeSpec): Promise<string> {
    return resources.createVolume(this.docker, spec);
  }

  removeVolume(name: string): Promise<void> {
    return resources.removeVolume(this.docker, name);
  }

  listByLabels(labels: readonly string[]): Promise<ManagedResource[]> {
    return resources.listByLabels(this.docker, labels);
  }

  private async requireImageId(ref: string): Promise<string> {
    const image = await this.inspectImage(ref);
    if (image === undefined) {
      throw new EnvironmentError(
        'engine.image-missing',
        `the engine reported success but ${ref} is not there`,
      );
    }
    return image.id;
  }
}

function toList(value: string | string[] | null | undefined): readonly string[] | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? [value] : value;
}

/** `host:5000/a/b:tag` → [`host:5000/a/b`, `tag`]; no tag → `latest`. */
export function splitTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}
