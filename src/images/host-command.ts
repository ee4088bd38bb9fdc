import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EnvironmentError } from '../core/errors.js';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Each line of the command's output, for progress display. */
  readonly onLine?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** What to tell the user when the command is missing or fails. */
  readonly hint?: string;
}

/**
 * Runs a host command to completion. Rejects with an EnvironmentError that names the command and
 * carries the tail of its output (these commands handle no secrets).
 */
export function runHost(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const tail: string[] = [];
    const collect = (stream: Readable) => {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 15) tail.shift();
          options.onLine?.(line);
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT';
      reject(
        new EnvironmentError(
          missing ? 'host.command-missing' : 'host.command-failed',
          missing ? `${command} is not installed` : `${command} failed: ${error.message}`,
          { hint: options.hint ?? `install ${command}`, cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(
        new EnvironmentError(
          'host.command-failed',
          `${command} ${args.slice(0, 3).join(' ')} failed (${why})${tail.length > 0 ? `:\n${tail.join('\n')}` : ''}`,
          options.hint === undefined ? {} : { hint: options.hint },
        ),
      );
    });
  });
}

/** Spawns `tar` writing an archive of `dir` to its stdout, owned by root as images expect. */
export function tarDirectory(
  dir: string,
  signal?: AbortSignal,
): { stream: Readable; done: Promise<void> } {
  const child = spawn(
    'tar',
    ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', '-', '.'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new EnvironmentError('host.tar-failed', `tar of ${dir} failed: ${stderr.trim()}`)),
    );
  });
  return { stream: child.stdout, done };
}
