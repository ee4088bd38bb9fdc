import type { IncomingMessage } from 'node:http';
import { EnvironmentError } from '../../core/errors.js';
import type { ManagedResource, NetworkSpec, PullOptions, VolumeSpec } from '../container-types.js';
import type { ProgressListener } from '../engine.js';
import { engineMessage, statusOf } from '../engine-errors.js';
import { consumeProgress } from '../progress-stream.js';
import { segment, type ApiClient } from './api-client.js';

function fail(code: string, what: string, error: unknown): EnvironmentError {
  return new EnvironmentError(code, `${what}: ${engineMessage(error)}`, { cause: error });
}

/**
 * `name[:tag]` or `name@digest` → the `fromImage` / `tag` pair of `POST /images/create`. A colon
 * followed by a slash belongs to a registry port, not a tag. The tag is never left empty: an
 * empty tag would make the engine pull every tag of the repository.
 */
export function pullTarget(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  const cut = at >= 0 ? at : ref.lastIndexOf(':');
  if (cut >= 0 && !ref.slice(cut + 1).includes('/')) {
    return { fromImage: ref.slice(0, cut), tag: ref.slice(cut + 1) };
  }
  return { fromImage: ref, tag: 'latest' };
}

/**
 * The X-Registry-Auth header: base64url of the JSON credentials, padding kept (Docker 20.10
 * decodes with Go's padded URL alphabet). Only ever put on the wire, never into messages.
 */
function registryAuth(auth: NonNullable<PullOptions['auth']>): string {
  return Buffer.from(JSON.stringify({ ...auth }))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export async function pullImage(
  api: ApiClient,
  ref: string,
  options: PullOptions,
  onProgress?: ProgressListener,
): Promise<void> {
  options.signal?.throwIfAborted();
  let stream: IncomingMessage;
  try {
    stream = await api.stream('POST', '/images/create', {
      query: pullTarget(ref),
      ...(options.auth === undefined
        ? {}
        : { headers: { 'X-Registry-Auth': registryAuth(options.auth) } }),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw fail('engine.pull', `cannot pull ${ref}`, error);
  }
  try {
    await consumeProgress(stream, `pull of ${ref}`, onProgress);
  } catch (error) {
    // The request's signal tears the response down; report the abort, not the broken stream.
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw error;
  }
}

export async function createNetwork(api: ApiClient, spec: NetworkSpec): Promise<string> {
  try {
    const created = await api.json<{ Id: string }>('POST', '/networks/create', {
      json: {
        Name: spec.name,
        Driver: spec.driver ?? 'bridge',
        CheckDuplicate: true,
        Labels: { ...spec.labels },
      },
    });
    return created.Id;
  } catch (error) {
    throw fail('engine.create-network', `cannot create network ${spec.name}`, error);
  }
}

export async function removeNetwork(api: ApiClient, idOrName: string): Promise<void> {
  try {
    await api.call('DELETE', `/networks/${segment(idOrName)}`);
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw fail('engine.remove-network', `cannot remove network ${idOrName}`, error);
  }
}

export async function connectNetwork(
  api: ApiClient,
  network: string,
  container: string,
  aliases: readonly string[] = [],
): Promise<void> {
  try {
    await api.call('POST', `/networks/${segment(network)}/connect`, {
      json: { Container: container, EndpointConfig: { Aliases: [...aliases] } },
    });
  } catch (error) {
    throw fail('engine.connect-network', `cannot connect ${container} to ${network}`, error);
  }
}

export async function createVolume(api: ApiClient, spec: VolumeSpec): Promise<string> {
  try {
    // The answer names the volume: the engine's generated name when none was asked for.
    const volume = await api.json<{ Name: string }>('POST', '/volumes/create', {
      json: { ...(spec.name === undefined ? {} : { Name: spec.name }), Labels: { ...spec.labels } },
    });
    return volume.Name;
  } catch (error) {
    throw fail('engine.create-volume', `cannot create volume ${spec.name ?? ''}`.trim(), error);
  }
}

export async function removeVolume(api: ApiClient, name: string): Promise<void> {
  try {
    await api.call('DELETE', `/volumes/${segment(name)}`, { query: { force: true } });
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw fail('engine.remove-volume', `cannot remove volume ${name}`, error);
  }
}

interface ListedContainer {
  Id: string;
  Names?: string[] | null;
  Labels?: Record<string, string> | null;
}
interface ListedNetwork {
  Id: string;
  Name: string;
  Labels?: Record<string, string> | null;
}
interface ListedVolumes {
  Volumes?: { Name: string; Labels?: Record<string, string> | null }[] | null;
}

export async function listByLabels(
  api: ApiClient,
  labels: readonly string[],
): Promise<ManagedResource[]> {
  const filters = JSON.stringify({ label: [...labels] });
  try {
    const [containers, networks, volumes] = await Promise.all([
      api.json<ListedContainer[]>('GET', '/containers/json', { query: { all: true, filters } }),
      api.json<ListedNetwork[]>('GET', '/networks', { query: { filters } }),
      api.json<ListedVolumes>('GET', '/volumes', { query: { filters } }),
    ]);
    return [
      ...containers.map((c) => ({
        kind: 'container' as const,
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
        labels: c.Labels ?? {},
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
        labels: v.Labels ?? {},
      })),
    ];
  } catch (error) {
    throw fail('engine.list', 'cannot list dockhand resources', error);
  }
}
