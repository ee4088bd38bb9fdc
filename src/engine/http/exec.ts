import { setTimeout as pause } from 'node:timers/promises';
import { EnvironmentError } from '../../core/errors.js';
import type { ExecSpec } from '../container-types.js';
import { engineMessage } from '../engine-errors.js';
import { segment, type ApiClient } from './api-client.js';

interface ExecState {
  Running: boolean;
  ExitCode: number | null;
}

/** How often a detached exec is polled; the commands run this way take seconds. */
const POLL_MS = 100;

/**
 * `POST /containers/{id}/exec`, started detached, then `GET /exec/{id}/json` until it ends. A
 * detached start needs no hijacked connection; nothing dockhand execs writes output it reads.
 */
export async function execInContainer(api: ApiClient, id: string, spec: ExecSpec): Promise<number> {
  const { signal } = spec;
  try {
    signal?.throwIfAborted();
    const created = await api.json<{ Id: string }>('POST', `/containers/${segment(id)}/exec`, {
      json: {
        Cmd: [...spec.cmd],
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        ...(spec.user === undefined ? {} : { User: spec.user }),
      },
      signal,
    });
    const exec = `/exec/${segment(created.Id)}`;
    await api.call('POST', `${exec}/start`, { json: { Detach: true, Tty: false }, signal });
    for (;;) {
      const state = await api.json<ExecState>('GET', `${exec}/json`, { signal });
      // A container that stops under a running exec leaves it with no exit code: -1.
      if (!state.Running) return state.ExitCode ?? -1;
      await pause(POLL_MS, undefined, signal === undefined ? {} : { signal });
    }
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw new EnvironmentError(
      'engine.exec',
      `cannot run ${spec.cmd[0] ?? 'a command'} in container ${id.slice(0, 12)}: ${engineMessage(error)}`,
      { cause: error },
    );
  }
}
