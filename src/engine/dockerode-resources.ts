import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { EnvironmentError } from '../core/errors.js';
import type { ManagedResource, NetworkSpec, PullOptions, VolumeSpec } from './container-types.js';
import type { ProgressListener } from './engine.js';
import { engineMessage, statusOf } from './engine-errors.js';
import { consumeProgress } from './progress-stream.js';

function fail(code: string, what: string, error: unknown): EnvironmentError {
  return new EnvironmentError(code, `${what}: ${engineMessage(error)}`, { cause: error });
}

export async function pullImage(
  docker: Docker,
  ref: string,
  options: PullOptions,
  onProgress?: ProgressListener,
): Promise<void> {
  options.signal?.throwIfAborted();
  let stream: Readable;
  try {
    stream = (await docker.pull(ref, {
      ...(options.auth === undefined ? {} : { authconfig: { ...options.auth } }),
      ...(options.signal === undefined ? {} : { abortSignal: options.signal }),
    })) as Readable;
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw fail('engine.pull', `cannot pull ${ref}`, error);
  }
  const abort = () => stream.destroy(new Error('pull aborted'));
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await consumeProgress(stream, `pull of ${ref}`, onProgress);
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

export async function createNetwork(docker: Docker, spec: NetworkSpec): Promise<string> {
  try {
    const network = await docker.createNetwork({
      Name: spec.name,
      Driver: spec.driver ?? 'bridge',
      CheckDuplicate: true,
      Labels: { ...spec.labels },
    });
    return network.id;
  } catch (error) {
    throw fail('engine.create-network', `cannot create network ${spec.name}`, error);
  }
}

export async function removeNetwork(docker: Docker, idOrName: string): Promise<void> {
  try {
    await docker.getNetwork(idOrName).remove();
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw fail('engine.remove-network', `cannot remove network ${idOrName}`, error);
  }
}

export async function connectNetwork(
  docker: Docker,
  network: string,
  container: string,
  aliases: readonly string[] = [],
): Promise<void> {
  try {
    await docker
      .getNetwork(network)
      .connect({ Container: container, EndpointConfig: { Aliases: [...aliases] } });
  } catch (error) {
    throw fail('engine.connect-network', `cannot connect ${container} to ${network}`, error);
  }
}

export async function createVolume(docker: Docker, spec: VolumeSpec): Promise<string> {
  try {
    // dockerode resolves with a Volume handle whose `name` is the engine's (possibly generated).
    const volume = await docker.createVolume({
      ...(spec.name === undefined ? {} : { Name: spec.name }),
      Labels: { ...spec.labels },
    });
    return volume.name;
  } catch (error) {
    throw fail('engine.create-volume', `cannot create volume ${spec.name ?? ''}`.trim(), error);
  }
}

export async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove({ force: true });
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw fail('engine.remove-volume', `cannot remove volume ${name}`, error);
  }
}

export async function listByLabels(
  docker: Docker,
  labels: readonly string[],
): Promise<ManagedResource[]> {
  const filters = JSON.stringify({ label: [...labels] });
  try {
    const [containers, networks, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters }),
      docker.listNetworks({ filters }),
      docker.listVolumes({ filters }),
    ]);
    return [
      ...containers.map((c) => ({
        kind: 'container' as const,
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        labels: c.Labels,
      })),
      ...networks.map((n) => ({
        kind: 'network' as const,
        id: n.Id,
        name: n.Name,
        labels: n.Labels ?? {},
      })),
      ...(volumes.Volumes ?? []).map((v) => ({
        kind: 'volume' as const,
        id: v.Name,
        name: v.Name,
        labels: (v.Labels as Record<string, string> | null) ?? {},
      })),
    ];
  } catch (error) {
    throw fail('engine.list', 'cannot list dockhand resources', error);
  }
}
