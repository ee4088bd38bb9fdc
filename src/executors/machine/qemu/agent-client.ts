import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { EnvironmentError } from '../../../core/errors.js';
import { sleep } from './qemu-process.js';

/**
 * Sends one command line to the guest agent over the virtio-serial socket and waits for its
 * one-line answer.
 */
async function ask(socketPath: string, line: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let socket: Socket | undefined;
  while (socket === undefined) {
    socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(socketPath, () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (socket === undefined) {
      if (Date.now() > deadline)
        throw new EnvironmentError('vm.agent', `no guest agent socket at ${socketPath}`);
      await sleep(20);
    }
  }
  const connected = socket;
  try {
    return await new Promise<string>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new EnvironmentError('vm.agent', 'the guest agent did not answer')),
        Math.max(0, deadline - Date.now()),
      );
      connected.setEncoding('utf8');
      connected.on('data', (chunk: string) => {
        buffer += chunk;
        const newline = buffer.indexOf('\n');
        if (newline >= 0) {
          clearTimeout(timer);
          resolve(buffer.slice(0, newline).trim());
        }
      });
      connected.write(`${line}\n`);
    });
  } finally {
    connected.destroy();
  }
}

/**
 * After a restore every VM starts with the saved VM's memory: the same kernel CRNG state, clock,
 * machine id and hostname. This gives it its own: 64 fresh bytes from the host CSPRNG mixed into
 * the guest pool and a forced CRNG reseed, the host's current time, a new machine id, its name
 * as hostname. Resolves with the guest's answer (`ok`, or `noreseed` when the ioctl failed).
 */
export async function reseedGuest(
  agentSocket: string,
  name: string,
  timeoutMs = 5000,
): Promise<string> {
  const seed = randomBytes(64).toString('hex');
  const epoch = (Date.now() / 1000).toFixed(3);
  const machineId = randomUUID().replace(/-/g, '');
  const hostname = name.slice(0, 63).replace(/[^a-zA-Z0-9-]/g, '-');
  return ask(agentSocket, `reseed ${seed} ${epoch} ${machineId} ${hostname}`, timeoutMs);
}
