import { connect } from 'node:net';
import { LABELS } from '../../core/labels.js';
import type { Engine } from '../engine.js';

/** `2375/tcp` → 2375; UDP and malformed entries are dropped (only TCP can be probed). */
export function tcpPorts(exposed: readonly string[], limit = 20): number[] {
  return exposed
    .map((entry) => /^(\d+)(?:\/tcp)?$/.exec(entry)?.[1])
    .filter((port): port is string => port !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .slice(0, limit);
}

export type PortWaitOutcome =
  { readonly status: 'ready' } | { readonly status: 'timeout'; readonly detail: string };

export interface HostProbeTarget {
  /** The service container's IP on its network (a container dockhand created). */
  readonly address: string;
  readonly ports: readonly number[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function probeOnce(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits from this process until every port accepts a TCP connection. Used when container IPs
 * are routable from here (a local Linux engine): no extra container, millisecond latency.
 * Blocks up to `timeoutMs`; rejects with the signal's reason when aborted.
 */
export async function waitForPortsFromHost(target: HostProbeTarget): Promise<PortWaitOutcome> {
  const deadline = Date.now() + target.timeoutMs;
  const pending = new Set(target.ports);
  while (Date.now() < deadline) {
    target.signal?.throwIfAborted();
    for (const port of [...pending]) {
      if (await probeOnce(target.address, port)) pending.delete(port);
    }
    if (pending.size === 0) return { status: 'ready' };
    await sleep(200);
  }
  return {
    status: 'timeout',
    detail: `no answer on ${target.address} port(s) ${[...pending].join(', ')}`,
  };
}

export interface ContainerProbeTarget {
  /** The network the job uses; the probe joins it and resolves `host` there. */
  readonly network: string;
  /** The service's alias (or container name) on that network. */
  readonly host: string;
  readonly ports: readonly number[];
  readonly timeoutMs: number;
  /** An image with busybox `nc`; it must be local (`busybox:latest`). */
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/**
 * Waits from a throw-away container on the service's network, as GitLab Runner does with its
 * helper: it checks the path the job will use (name resolution included) and works with remote
 * engines whose container IPs this process cannot reach. Costs one container start.
 */
export async function waitForPortsInContainer(
  engine: Engine,
  target: ContainerProbeTarget,
): Promise<PortWaitOutcome> {
  // busybox nc has no -z; with stdin at EOF it exits 0 right after a successful connect.
  const script =
    'for p in $PORTS; do until nc -w 1 "$HOST" "$p" </dev/null >/dev/null 2>&1; do sleep 0.2; done; done';
  const id = await engine.createContainer({
    image: target.image,
    ...(target.name === undefined ? {} : { name: target.name }),
    entrypoint: [''],
    cmd: ['sh', '-c', script],
    env: { HOST: target.host, PORTS: target.ports.join(' ') },
    labels: { ...target.labels, [LABELS.type]: 'wait' },
    network: target.network,
  });
  const timer = AbortSignal.timeout(target.timeoutMs);
  const signal = target.signal === undefined ? timer : AbortSignal.any([timer, target.signal]);
  try {
    await engine.startContainer(id);
    const exit = await engine.waitContainer(id, signal);
    return exit === 0
      ? { status: 'ready' }
      : { status: 'timeout', detail: `probe exited with ${exit}` };
  } catch (error) {
    if (target.signal?.aborted === true) throw target.signal.reason;
    if (timer.aborted) {
      return {
        status: 'timeout',
        detail: `no answer from ${target.host} port(s) ${target.ports.join(', ')}`,
      };
    }
    throw error;
  } finally {
    await engine.removeContainer(id).catch(() => undefined);
  }
}
