import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { EnvironmentError } from '../core/errors.js';
import type {
  BuildOptions,
  Engine,
  ImageSummary,
  ImportOptions,
  ProgressListener,
} from './engine.js';
import { describeEndpoint, type EngineEndpoint } from './endpoint.js';
import { consumeProgress } from './progress-stream.js';

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

interface DockerErrorShape {
  readonly statusCode?: number;
  readonly json?: { readonly message?: string } | null;
  readonly message?: string;
}

/** The engine's own message from a dockerode error, without stack or request details. */
export function engineMessage(error: unknown): string {
  const shape = error as DockerErrorShape;
  return (shape.json?.message ?? shape.message ?? String(error)).trim();
}

export function statusOf(error: unknown): number | undefined {
  return (error as DockerErrorShape).statusCode;
}

/** The Engine over Docker's HTTP API, through dockerode. */
export class DockerodeEngine implements Engine {
  /** Exposed to other files of src/engine only (container and network operations). */
  readonly docker: Docker;

  constructor(readonly endpoint: EngineEndpoint) {
    this.docker = new Docker(dockerOptions(endpoint));
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
