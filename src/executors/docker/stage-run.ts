import { StringDecoder } from 'node:string_decoder';
import type { Engine } from '../../engine/engine.js';
import type { JobLog } from '../executor.js';
import { stopStageContainer } from './stop-container.js';

export interface StageRun {
  readonly engine: Engine;
  readonly containerId: string;
  readonly script: string;
  readonly log: JobLog;
  readonly signal: AbortSignal;
  /** SIGTERM → SIGKILL grace on cancel, seconds. */
  readonly graceSeconds: number;
  /** `FF_USE_NATIVE_CONTAINER_STOP`: plain `docker stop` instead of the termination script. */
  readonly nativeStop: boolean;
}

/**
 * One stage in one container, GitLab's stdin mechanism (§2.3): attach (hijacked) → start →
 * write the script to stdin and half-close it → stream demultiplexed output → wait for exit.
 * The container is re-startable: the next stage attaches and starts it again, files persist.
 * On abort the job's processes get SIGTERM and the grace (stop-container.ts), and the signal's
 * reason is thrown once the container has stopped.
 */
export async function runStage(run: StageRun): Promise<number> {
  const { engine, containerId, log, signal } = run;
  signal.throwIfAborted();
  const out = new StringDecoder('utf8');
  const err = new StringDecoder('utf8');
  const emit = (text: string) => {
    if (text !== '') log.output(text);
  };
  const streams = await engine.attachContainer(containerId, {
    stdout: (chunk) => emit(out.write(chunk)),
    stderr: (chunk) => emit(err.write(chunk)),
  });
  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    stopping ??= stopStageContainer(engine, containerId, {
      graceSeconds: run.graceSeconds,
      native: run.nativeStop,
    });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    await engine.startContainer(containerId);
    // A stdin write can fail when the entrypoint exits without reading it; the exit code
    // still comes from wait.
    await streams.sendStdin(run.script).catch(() => undefined);
    const exitCode = await engine.waitContainer(containerId);
    // Output may trail the exit by a moment; the engine closes the stream right after.
    await Promise.race([streams.ended, delay(2000)]);
    emit(out.end());
    emit(err.end());
    if (signal.aborted) {
      await stopping;
      throw signal.reason;
    }
    return exitCode;
  } finally {
    signal.removeEventListener('abort', onAbort);
    streams.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
