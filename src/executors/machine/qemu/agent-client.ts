import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { EnvironmentError } from '../../../core/errors.js';
import {
  checkEngineCertificate,
  parseReseedAnswer,
  pemForAgent,
  writeVmTrust,
  type EngineIdentity,
  type ReseedAnswer,
} from './engine-identity.js';
import { sleep } from './qemu-process.js';
import type { VmFiles } from './vm-state.js';

/** Connects to the VM's agent socket (QEMU's end of the virtio-serial port), retrying briefly. */
async function connectAgent(socketPath: string, deadline: number): Promise<Socket> {
  for (;;) {
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(socketPath, () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (socket !== undefined) return socket;
    if (Date.now() > deadline)
      throw new EnvironmentError('vm.agent', `no guest agent socket at ${socketPath}`);
    await sleep(20);
  }
}

/**
 * Sends one command line to the guest agent and resolves with the first answer line that
 * `accept` takes (lines it returns undefined for belong to earlier commands and are skipped).
 */
async function ask<T>(
  socketPath: string,
  line: string,
  timeoutMs: number,
  accept: (answer: string) => T | undefined,
): Promise<T> {
  const connected = await connectAgent(socketPath, Date.now() + timeoutMs);
  try {
    return await new Promise<T>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new EnvironmentError('vm.agent', 'the guest agent did not answer')),
        timeoutMs,
      );
      const fail = () => {
        clearTimeout(timer);
        reject(
          new EnvironmentError('vm.agent', 'the guest agent connection closed (QEMU exited?)'),
        );
      };
      connected.once('close', fail);
      connected.setEncoding('utf8');
      connected.on('data', (chunk: string) => {
        buffer += chunk;
        for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
          const answer = accept(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          if (answer !== undefined) {
            clearTimeout(timer);
            connected.off('close', fail);
            resolve(answer);
            return;
          }
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
 * machine id and hostname, and no engine key. This gives it its own: 64 fresh bytes from the
 * host CSPRNG mixed into the guest pool and a forced CRNG reseed, then (only when the reseed
 * worked) `identity` written to the guest's tmpfs with the TLS port opened on it, the host's
 * current time, a new machine id, its name as hostname. Also used after cold boots, which need
 * the engine identity just the same. The command line carries a private key: it never goes into
 * errors or logs.
 */
export async function reseedGuest(
  agentSocket: string,
  name: string,
  identity: EngineIdentity,
  timeoutMs = 15_000,
): Promise<ReseedAnswer> {
  const seed = randomBytes(64).toString('hex');
  const epoch = (Date.now() / 1000).toFixed(3);
  const machineId = randomUUID().replace(/-/g, '');
  const hostname = name.slice(0, 63).replace(/[^a-zA-Z0-9-]/g, '-');
  const nonce = randomBytes(8).toString('hex');
  const key = pemForAgent(identity.keyPem);
  const cert = pemForAgent(identity.certificatePem);
  return ask(
    agentSocket,
    `reseed ${seed} ${epoch} ${machineId} ${hostname} ${nonce} ${key} ${cert}`,
    timeoutMs,
    (line) => parseReseedAnswer(line, nonce),
  );
}

/**
 * Reseeds the guest (CRNG, clock, machine id, hostname), hands it `identity` (made for this VM
 * alone, see makeEngineIdentity) and pins its certificate in the VM's `tlsDir` with the image's
 * client credentials from `clientDir`: from here on the host trusts that VM's engine and no
 * other. Without a reseed the guest opens no TLS port, and the start fails.
 */
export async function giveEngineIdentity(
  name: string,
  files: Pick<VmFiles, 'agentSocket' | 'tlsDir'>,
  identity: EngineIdentity,
  clientDir: string,
  timeoutMs: number,
): Promise<void> {
  checkEngineCertificate(identity.certificatePem, name);
  const answer = await reseedGuest(files.agentSocket, name, identity, timeoutMs);
  if (answer.status !== 'ok') {
    throw new EnvironmentError(
      'vm.reseed',
      `VM ${name}: the guest agent answered "${answer.status}" instead of taking its engine identity`,
      {
        hint:
          answer.status === 'noreseed'
            ? 'the guest kernel refused to reseed its CRNG, so its random numbers could repeat those of other VMs'
            : 'rebuild the VM image with `dockhand machines image --force`',
      },
    );
  }
  await writeVmTrust(files.tlsDir, identity.certificatePem, clientDir);
}
