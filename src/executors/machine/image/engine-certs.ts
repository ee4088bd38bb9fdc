import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunHost } from './build-tools.js';

/**
 * The client side of the guest engines' TLS, made with openssl at image build time:
 * - a CA whose key is thrown away once the client certificate is signed, so nobody (not even a
 *   later dockhand, nor a guest) can mint another client certificate for these engines; only its
 *   certificate goes into the image (`serverDir/ca.pem`), for the guest to check clients with;
 * - a client certificate kept on the host in `clientDir` (ca.pem, cert.pem, key.pem, mode 0600
 *   in a 0700 directory): only users who can read it reach a VM's engine. Its key never enters
 *   a guest.
 * There is no server key here on purpose: every start gives the VM a key of its own after its CRNG
 * reseed (engine-identity.ts makeEngineIdentity, guest-scripts.ts AGENT), and the host pins that
 * VM's certificate.
 * ECDSA P-256 keeps handshakes cheap under software emulation.
 */
export async function makeEngineCerts(
  runHost: RunHost,
  clientDir: string,
  serverDir: string,
): Promise<void> {
  const work = await mkdtemp(join(clientDir, '..', 'certs-work-'));
  const ssl = (...args: string[]) =>
    runHost('openssl', args, { cwd: work, hint: 'install openssl' });
  try {
    await writeFile(join(work, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    const key = (name: string) =>
      ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
    await key('ca-key.pem');
    await ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca-key.pem',
      '-subj',
      '/CN=dockhand VM engines',
      '-days',
      '3650',
      '-out',
      'ca.pem',
    );
    await key('client-key.pem');
    await ssl(
      'req',
      '-new',
      '-key',
      'client-key.pem',
      '-subj',
      '/CN=dockhand',
      '-out',
      'client.csr',
    );
    await ssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      'client.ext',
      '-out',
      'client-cert.pem',
    );
    await mkdir(clientDir, { recursive: true, mode: 0o700 });
    await chmod(clientDir, 0o700);
    await copyFile(join(work, 'ca.pem'), join(clientDir, 'ca.pem'));
    await copyFile(join(work, 'client-cert.pem'), join(clientDir, 'cert.pem'));
    await copyFile(join(work, 'client-key.pem'), join(clientDir, 'key.pem'));
    await chmod(join(clientDir, 'key.pem'), 0o600);
    await mkdir(serverDir, { recursive: true, mode: 0o700 });
    await copyFile(join(work, 'ca.pem'), join(serverDir, 'ca.pem'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
