import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunHost } from './build-tools.js';

/**
 * TLS material for the guest engines, made with openssl at image build time:
 * - a CA whose key is thrown away once the two certificates below are signed, so nobody (not
 *   even a later dockhand) can mint another client certificate for these engines;
 * - a server certificate for 127.0.0.1 baked into the image (the guest's dockerd);
 * - a client certificate kept on the host in `clientDir` (ca.pem, cert.pem, key.pem, mode 0600
 *   in a 0700 directory): only users who can read it reach a VM's engine.
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
    await writeFile(
      join(work, 'server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
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
    for (const [name, cn] of [
      ['server', '127.0.0.1'],
      ['client', 'dockhand'],
    ] as const) {
      await key(`${name}-key.pem`);
      await ssl(
        'req',
        '-new',
        '-key',
        `${name}-key.pem`,
        '-subj',
        `/CN=${cn}`,
        '-out',
        `${name}.csr`,
      );
      await ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-days',
        '3650',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}-cert.pem`,
      );
    }
    await mkdir(clientDir, { recursive: true, mode: 0o700 });
    await chmod(clientDir, 0o700);
    await copyFile(join(work, 'ca.pem'), join(clientDir, 'ca.pem'));
    await copyFile(join(work, 'client-cert.pem'), join(clientDir, 'cert.pem'));
    await copyFile(join(work, 'client-key.pem'), join(clientDir, 'key.pem'));
    await chmod(join(clientDir, 'key.pem'), 0o600);
    await mkdir(serverDir, { recursive: true, mode: 0o700 });
    await copyFile(join(work, 'ca.pem'), join(serverDir, 'ca.pem'));
    await copyFile(join(work, 'server-cert.pem'), join(serverDir, 'server-cert.pem'));
    await copyFile(join(work, 'server-key.pem'), join(serverDir, 'server-key.pem'));
    await chmod(join(serverDir, 'server-key.pem'), 0o600);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
