import type { Readable } from 'node:stream';
import { EnvironmentError } from '../core/errors.js';
import type {
  AttachedStreams,
  BuildOptions,
  ContainerInfo,
  ContainerSpec,
  Engine,
  ExecSpec,
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
import { describeEndpoint, type EngineEndpoint } from './endpoint.js';
import { engineMessage, statusOf } from './engine-errors.js';
import { ApiClient, segment } from './http/api-client.js';
import { attach } from './http/attach.js';
import * as containers from './http/containers.js';
import { execInContainer } from './http/exec.js';
import * as resources from './http/resources.js';
import { consumeProgress } from './progress-stream.js';

export { engineMessage, statusOf } from './engine-errors.js';

/** The fields of `GET /images/{name}/json` that dockhand reads. */
interface ImageBody {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Config?: {
    Entrypoint?: string | string[] | null;
    Cmd?: string | string[] | null;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
  } | null;
}

const TAR = { 'Content-Type': 'application/x-tar' };

/** The Engine over Docker's HTTP API, spoken directly on node:http (unix socket, TCP, TLS). */
export class HttpEngine implements Engine {
  /** Exposed to other files of src/engine only (container and network operations). */
  readonly api: ApiClient;

  readonly reachesContainerIps: boolean;

  constructor(readonly endpoint: EngineEndpoint) {
    this.api = new ApiClient(endpoint);
    // A rootless engine's socket lives under /run/user/<uid>; its bridges sit in another netns.
    this.reachesContainerIps =
      process.platform === 'linux' &&
      endpoint.kind === 'unix' &&
      !endpoint.socketPath.startsWith('/run/user/');
  }

  async ping(signal?: AbortSignal): Promise<void> {
    try {
      signal?.throwIfAborted();
      await this.api.ping(signal);
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
    const v = await this.api.json<{
      Version: string;
      ApiVersion: string;
      Os: string;
      Arch: string;
    }>('GET', '/version');
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const info = await this.api.json<ImageBody>('GET', `/images/${segment(ref)}/json`);
      const config = info.Config ?? {};
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
    const stream = await this.api.stream('POST', '/images/create', {
      query: { fromSrc: '-', repo, tag, changes: options.changes },
      body: tar,
      headers: TAR,
    });
    await consumeProgress(stream, `import of ${options.tag}`, onProgress);
    return this.requireImageId(options.tag);
  }

  async buildImage(
    context: Readable,
    options: BuildOptions,
    onProgress?: ProgressListener,
  ): Promise<string> {
    const stream = await this.api.stream('POST', '/build', {
      query: {
        t: options.tag,
        dockerfile: options.dockerfile ?? 'Dockerfile',
        networkmode: options.networkMode ?? 'default',
        rm: true,
        forcerm: true,
        labels: options.labels === undefined ? undefined : JSON.stringify(options.labels),
        buildargs: options.buildArgs === undefined ? undefined : JSON.stringify(options.buildArgs),
      },
      body: context,
      headers: TAR,
    });
    await consumeProgress(stream, `build of ${options.tag}`, onProgress);
    return this.requireImageId(options.tag);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const [repo, tag] = splitTag(target);
    await this.api.call('POST', `/images/${segment(source)}/tag`, { query: { repo, tag } });
  }

  async exportImages(refs: readonly string[]): Promise<Readable> {
    try {
      // `docker save`: the engine checks every name before it sends the first byte, so an
      // unknown ref is an error status here, not a truncated tar.
      return await this.api.stream('GET', '/images/get', { query: { names: refs } });
    } catch (error) {
      throw new EnvironmentError(
        'engine.export-images',
        `cannot export ${refs.join(', ')}: ${engineMessage(error)}`,
        { cause: error },
      );
    }
  }

  pullImage(ref: string, options: PullOptions, onProgress?: ProgressListener): Promise<void> {
    return resources.pullImage(this.api, ref, options, onProgress);
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    return containers.createContainer(this.api, spec);
  }

  async attachContainer(id: string, sink: OutputSink): Promise<AttachedStreams> {
    try {
      return await attach(this.api, id, sink);
    } catch (error) {
      throw new EnvironmentError(
        'engine.attach',
        `cannot attach to container ${id.slice(0, 12)}: ${engineMessage(error)}`,
        { cause: error },
      );
    }
  }

  startContainer(id: string): Promise<void> {
    return containers.startContainer(this.api, id);
  }

  waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    return containers.waitContainer(this.api, id, signal);
  }

  stopContainer(id: string, graceSeconds: number): Promise<void> {
    return containers.stopContainer(this.api, id, graceSeconds);
  }

  killContainer(id: string, signal?: string): Promise<void> {
    return containers.killContainer(this.api, id, signal);
  }

  execInContainer(id: string, spec: ExecSpec): Promise<number> {
    return execInContainer(this.api, id, spec);
  }

  removeContainer(id: string): Promise<void> {
    return containers.removeContainer(this.api, id);
  }

  containerLogs(id: string, options?: LogsOptions): Promise<string> {
    return containers.containerLogs(this.api, id, options);
  }

  inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    return containers.inspectContainer(this.api, id);
  }

  putArchive(id: string, path: string, tar: TarStream): Promise<void> {
    return containers.putArchive(this.api, id, path, tar);
  }

  getArchive(id: string, path: string): Promise<TarStream> {
    return containers.getArchive(this.api, id, path);
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    return resources.createNetwork(this.api, spec);
  }

  removeNetwork(idOrName: string): Promise<void> {
    return resources.removeNetwork(this.api, idOrName);
  }

  connectNetwork(network: string, container: string, aliases?: readonly string[]): Promise<void> {
    return resources.connectNetwork(this.api, network, container, aliases);
  }

  createVolume(spec: VolumeSpec): Promise<string> {
    return resources.createVolume(this.api, spec);
  }

  removeVolume(name: string): Promise<void> {
    return resources.removeVolume(this.api, name);
  }

  listByLabels(labels: readonly string[]): Promise<ManagedResource[]> {
    return resources.listByLabels(this.api, labels);
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
