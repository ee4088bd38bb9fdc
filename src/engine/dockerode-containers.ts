import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { EnvironmentError } from '../core/errors.js';
import type {
  AttachedStreams,
  ContainerInfo,
  ContainerSpec,
  LogsOptions,
  OutputSink,
  TarStream,
} from './container-types.js';
import { StreamDemuxer } from './demux.js';
import { toCreateOptions } from './dockerode-container-spec.js';
import { engineMessage, statusOf } from './engine-errors.js';

function fail(code: string, what: string, error: unknown): EnvironmentError {
  return new EnvironmentError(code, `${what}: ${engineMessage(error)}`, { cause: error });
}

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

export async function createContainer(docker: Docker, spec: ContainerSpec): Promise<string> {
  try {
    const container = await docker.createContainer(toCreateOptions(spec));
    return container.id;
  } catch (error) {
    throw fail('engine.create-container', `cannot create a container from ${spec.image}`, error);
  }
}

function attachedStreams(socket: Duplex, sink: OutputSink): AttachedStreams {
  const demuxer = new StreamDemuxer(sink);
  const ended = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => demuxer.push(chunk));
    // The engine closes its side when the process's output ends; a reset after a kill or a
    // removal also ends the session — the exit code comes from wait, not from here.
    const finish = () => {
      demuxer.flush();
      resolve();
    };
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', finish);
  });
  return {
    ended,
    sendStdin: (data) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          resolve();
          return;
        }
        socket.write(data, (error) =>
          error === null || error === undefined ? resolve() : reject(error),
        );
        // Half-close: the shell sees EOF after the script, and StdinOnce closes the container's
        // stdin; the output side stays open until the process ends.
        socket.end();
      }),
    close: () => {
      socket.destroy();
    },
  };
}

export async function attachContainer(
  docker: Docker,
  id: string,
  sink: OutputSink,
): Promise<AttachedStreams> {
  try {
    const socket = (await docker.getContainer(id).attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    return attachedStreams(socket, sink);
  } catch (error) {
    throw fail('engine.attach', `cannot attach to container ${id.slice(0, 12)}`, error);
  }
}

export async function startContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).start();
  } catch (error) {
    if (statusOf(error) === 304) return;
    throw fail('engine.start-container', `cannot start container ${id.slice(0, 12)}`, error);
  }
}

export async function waitContainer(
  docker: Docker,
  id: string,
  signal?: AbortSignal,
): Promise<number> {
  signal?.throwIfAborted();
  try {
    const result = (await docker.getContainer(id).wait({
      condition: 'not-running',
      ...(signal === undefined ? {} : { abortSignal: signal }),
    })) as { StatusCode: number };
    return result.StatusCode;
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw fail('engine.wait-container', `cannot wait for container ${id.slice(0, 12)}`, error);
  }
}

export function stopContainer(docker: Docker, id: string, graceSeconds: number): Promise<void> {
  return idempotent(
    () => docker.getContainer(id).stop({ t: graceSeconds }),
    'engine.stop-container',
    `cannot stop container ${id.slice(0, 12)}`,
  );
}

export async function killContainer(docker: Docker, id: string, signal = 'SIGKILL') {
  try {
    await docker.getContainer(id).kill({ signal });
  } catch (error) {
    // 409: not running. 404: gone. Both are the state the caller wants.
    const status = statusOf(error);
    if (status === 409 || status === 404) return;
    throw fail('engine.kill-container', `cannot kill container ${id.slice(0, 12)}`, error);
  }
}

export function removeContainer(docker: Docker, id: string): Promise<void> {
  return idempotent(
    () => docker.getContainer(id).remove({ force: true, v: true }),
    'engine.remove-container',
    `cannot remove container ${id.slice(0, 12)}`,
  );
}

export async function containerLogs(
  docker: Docker,
  id: string,
  options: LogsOptions = {},
): Promise<string> {
  try {
    const raw = await docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      follow: false,
      ...(options.tail === undefined ? {} : { tail: options.tail }),
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
    throw fail('engine.logs', `cannot read logs of container ${id.slice(0, 12)}`, error);
  }
}

export async function inspectContainer(
  docker: Docker,
  id: string,
): Promise<ContainerInfo | undefined> {
  try {
    const info = await docker.getContainer(id).inspect();
    const networks = info.NetworkSettings.Networks as Record<
      string,
      { IPAddress?: string; Aliases?: string[] | null }
    >;
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
        Object.entries(networks).map(([name, net]) => [
          name,
          { ipAddress: net.IPAddress ?? '', aliases: net.Aliases ?? [] },
        ]),
      ),
    };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw fail('engine.inspect-container', `cannot inspect container ${id.slice(0, 12)}`, error);
  }
}

export async function putArchive(
  docker: Docker,
  id: string,
  path: string,
  tar: TarStream,
): Promise<void> {
  try {
    await docker.getContainer(id).putArchive(tar, { path });
  } catch (error) {
    throw fail('engine.put-archive', `cannot copy files to ${path} in ${id.slice(0, 12)}`, error);
  }
}
