import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../../../core/errors.js';
import { HttpEngine } from '../../../engine/http-engine.js';
import type { EngineEndpoint } from '../../../engine/endpoint.js';
import { GUEST_ENGINE_PORT } from '../image/guest-scripts.js';
import { sleep } from './qemu-process.js';

/**
 * The endpoint of a VM's engine: TLS on loopback, `certDir` holding the VM's pinned certificate
 * as ca.pem and the image's client certificate (engine-identity.ts writeVmTrust).
 */
export function vmEngineEndpoint(port: number, certDir: string): EngineEndpoint {
  return { kind: 'tcp', host: '127.0.0.1', port, tlsVerify: true, tlsCertPath: certDir };
}

export interface WaitEngineOptions {
  readonly timeoutMs: number;
  /** Pause between attempts. */
  readonly intervalMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Checked between attempts: a VM whose QEMU died will never answer. */
  readonly alive: () => Promise<boolean>;
  /** Text for the error, e.g. the console tail. */
  readonly diagnose: () => Promise<string>;
}

/**
 * Blocks until the guest engine answers `/_ping` over TLS. Each attempt is capped: the forward
 * accepts on the host side before the guest is up, so a request can hang instead of failing.
 */
export async function waitForEngine(
  endpoint: EngineEndpoint,
  options: WaitEngineOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    const engine = new HttpEngine(endpoint);
    const attempt = engine.ping().then(
      () => true,
      (error: unknown) => {
        last = error;
        return false;
      },
    );
    const ok = await Promise.race([
      attempt,
      sleep(Math.max(1000, options.intervalMs * 4)).then(() => false),
    ]);
    if (ok) return;
    if (!(await options.alive())) break;
    await sleep(options.intervalMs);
  }
  const port = endpoint.kind === 'tcp' ? endpoint.port : 0;
  throw new EnvironmentError(
    'vm.engine-not-ready',
    `the VM engine on 127.0.0.1:${port} (guest port ${GUEST_ENGINE_PORT}) did not answer: ${last instanceof Error ? last.message : 'timeout or VM exited'}\n${await options.diagnose()}`,
  );
}

/**
 * Blocks until the guest prints `marker` on its console (dockerd answers on its unix socket):
 * the point where a cold-booted guest can be given its engine identity, or be saved.
 */
export async function waitForConsoleMarker(
  consoleLog: string,
  marker: string,
  options: WaitEngineOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    if ((await readFile(consoleLog, 'utf8').catch(() => '')).includes(marker)) return;
    if (!(await options.alive())) break;
    await sleep(options.intervalMs);
  }
  throw new EnvironmentError(
    'vm.engine-not-ready',
    `the VM engine did not come up: ${Date.now() < deadline ? 'the VM exited' : 'timeout'}\n${await options.diagnose()}`,
  );
}
