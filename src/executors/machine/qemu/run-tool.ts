import { execFile } from 'node:child_process';
import { EnvironmentError } from '../../../core/errors.js';

/** Runs a short host tool (qemu-img) and returns its stdout; errors name the tool and its output. */
export function runTool(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new EnvironmentError(
          missing ? 'vm.tool-missing' : 'vm.tool-failed',
          missing
            ? `${command} is not installed`
            : `${command} ${args[0] ?? ''} failed: ${stderr.trim()}`,
          { hint: 'apt-get install -y qemu-system-x86 qemu-utils', cause: error },
        ),
      );
    });
  });
}
