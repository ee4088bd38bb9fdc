import { EnvironmentError } from '../../core/errors.js';
import type { ContainerInfo, ContainerSpec, LogsOptions, TarStream } from '../container-types.js';
import { StreamDemuxer } from '../demux.js';
import { engineMessage, statusOf } from '../engine-errors.js';
import { segment, type ApiClient } from './api-client.js';
import { toCreateBody } from './create-body.js';

function fail(code: string, what: string, error: unknown): EnvironmentError {
  return new EnvironmentError(code, `${what}: ${engineMessage(error)}`, { cause: error });
}

const short = (id: string) => id.slice(0, 12);
const path = (id: string, action = '') => `/containers/${segment(id)}${action}`;

/** Ignores "no such …" (404) and "already in that state" (304): callers ask for an end state. */
async function idempotent(action: () => Promise<unknown>, code: string, what: string) {
  try {
    await action();
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 304) return;
    // 409 on removal: removal already in progress; the container is going away.
    if (status === 409 && code === 'engine.remove-container') return;
    throw fail(code, what, error);
  }
}

export async function createContainer(api: ApiClient, spec: ContainerSpec): Promise<string> {
  try {
    const created = await api.json<{ Id: string }>('POST', '/containers/create', {
      query: { name: spec.name },
      json: toCreateBody(spec),
    });
    return created.Id;
  } catch (error) {
    throw fail('engine.create-container', `cannot create a container from ${spec.image}`, error);
  }
}

export async function startContainer(api: ApiClient, id: string): Promise<void> {
  try {
    await api.call('POST', path(id, '/start'));
  } catch (error) {
    if (statusOf(error) === 304) return;
    throw fail('engine.start-container', `cannot start container ${short(id)}`, error);
  }
}

export async function waitContainer(
  api: ApiClient,
  id: string,
  signal?: AbortSignal,
): Promise<number> {
  signal?.throwIfAborted();
  try {
    const result = await api.json<{ StatusCode: number }>('POST', path(id, '/wait'), {
      query: { condition: 'not-running' },
      signal,
    });
    return result.StatusCode;
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw fail('engine.wait-container', `cannot wait for container ${short(id)}`, error);
  }
}

export function stopContainer(api: ApiClient, id: string, graceSeconds: number): Promise<void> {
  return idempotent(
    () => api.call('POST', path(id, '/stop'), { query: { t: graceSeconds } }),
    'engine.stop-container',
    `cannot stop container ${short(id)}`,
  );
}

export async function killContainer(api: ApiClient, id: string, signal = 'SIGKILL') {
  try {
    await api.call('POST', path(id, '/kill'), { query: { signal } });
  } catch (error) {
    // 409: not running. 404: gone. Both are the state the caller wants.
    const status = statusOf(error);
    if (status === 409 || status === 404) return;
    throw fail('engine.kill-container', `cannot kill container ${short(id)}`, error);
  }
}

export function removeContainer(api: ApiClient, id: string): Promise<void> {
  return idempotent(
    () => api.call('DELETE', path(id), { query: { force: true, v: true } }),
    'engine.remove-container',
    `cannot remove container ${short(id)}`,
  );
}

export async function containerLogs(
  api: ApiClient,
  id: string,
  options: LogsOptions = {},
): Promise<string> {
  try {
    const raw = await api.buffer('GET', path(id, '/logs'), {
      query: { stdout: true, stderr: true, follow: false, tail: options.tail },
    });
    const parts: Buffer[] = [];
    const demuxer = new StreamDemuxer({
      stdout: (b) => parts.push(b),
      stderr: (b) => parts.push(b),
    });
    demuxer.push(raw);
    demuxer.flush();
    return Buffer.concat(parts).toString('utf8');
  } catch (error) {
    throw fail('engine.logs', `cannot read logs of container ${short(id)}`, error);
  }
}

/** The fields of `GET /containers/{id}/json` that dockhand reads. */
interface InspectBody {
  Id: string;
  Name: string;
  Config: {
    Image: string;
    Hostname: string;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
  };
  State: { Running: boolean; ExitCode: number };
  NetworkSettings: {
    Networks?: Record<string, { IPAddress?: string; Aliases?: string[] | null }> | null;
  };
}

export async function inspectContainer(
  api: ApiClient,
  id: string,
): Promise<ContainerInfo | undefined> {
  try {
    const info = await api.json<InspectBody>('GET', path(id, '/json'));
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      exposedPorts: Object.keys(info.Config.ExposedPorts ?? {}),
      hostname: info.Config.Hostname,
      labels: info.Config.Labels ?? {},
      networks: Object.fromEntries(
        Object.entries(info.NetworkSettings.Networks ?? {}).map(([name, net]) => [
          name,
          { ipAddress: net.IPAddress ?? '', aliases: net.Aliases ?? [] },
        ]),
      ),
    };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw fail('engine.inspect-container', `cannot inspect container ${short(id)}`, error);
  }
}

export async function putArchive(
  api: ApiClient,
  id: string,
  target: string,
  tar: TarStream,
): Promise<void> {
  try {
    // The engine answers once it has read and extracted the whole stream.
    await api.call('PUT', path(id, '/archive'), {
      query: { path: target },
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
  } catch (error) {
    throw fail('engine.put-archive', `cannot copy files to ${target} in ${short(id)}`, error);
  }
}

export async function getArchive(api: ApiClient, id: string, source: string): Promise<TarStream> {
  try {
    // Streamed as the engine produces it; a missing container or path is a 404 before any data.
    return await api.stream('GET', path(id, '/archive'), { query: { path: source } });
  } catch (error) {
    throw fail('engine.get-archive', `cannot copy ${source} out of ${short(id)}`, error);
  }
}
