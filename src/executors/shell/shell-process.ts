import { spawn } from 'node:child_process';

export interface ShellRun {
  /** Path or name of the shell (`bash` or `sh`); the script is fed on stdin. */
  readonly shell: string;
  readonly script: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives stdout and stderr as they come. */
  readonly output: (chunk: string) => void;
  readonly signal: AbortSignal;
  /** SIGTERM → SIGKILL grace on abort. */
  readonly graceMs: number;
}

/** Signals a whole process group; a group that is already gone is not an error. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/**
 * Runs one stage script in a shell of its own process group (GitLab's shell executor feeds the
 * script on stdin as well). On abort the group gets SIGTERM, then SIGKILL after the grace. When
 * the shell exits, whatever it left running in its group is killed: a stage leaves no processes
 * behind, and a background process holding stdout open cannot keep the stage from ending.
 * Resolves with the exit code (128 + n for a shell killed by signal n, as shells report it).
 */
export function runShell(run: ShellRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.shell, [], {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), run.graceMs);
    };
    child.stdout.setEncoding('utf8').on('data', run.output);
    child.stderr.setEncoding('utf8').on('data', run.output);
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      run.signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? 128 + (signal === null ? 0 : signalNumber(signal));
      killGroup(child.pid, 'SIGKILL');
    });
    child.on('close', () => {
      run.signal.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve(exitCode);
    });
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin.end(run.script);
  });
}

const NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function signalNumber(signal: NodeJS.Signals): number {
  return NUMBERS[signal] ?? 1;
}
