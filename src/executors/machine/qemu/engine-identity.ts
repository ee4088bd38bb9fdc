import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../../core/errors.js';

/** What the guest agent answered to `reseed … NONCE …` (guest-scripts.ts AGENT). */
export interface ReseedAnswer {
  readonly status: 'ok' | 'noreseed' | 'noidentity' | 'unknown';
}

/**
 * Parses one line from the agent. Undefined when the line answers another command (its nonce
 * differs: a late answer to an earlier, abandoned connection), so the caller keeps reading.
 */
export function parseReseedAnswer(line: string, nonce: string): ReseedAnswer | undefined {
  const [status, lineNonce] = line.trim().split(/\s+/);
  if (lineNonce !== nonce) return undefined;
  if (status === 'ok' || status === 'noreseed' || status === 'noidentity') return { status };
  return { status: 'unknown' };
}

/** One VM's engine identity: its private key and self-signed certificate, PEM. */
export interface EngineIdentity {
  readonly keyPem: string;
  readonly certificatePem: string;
}

/**
 * Makes a fresh engine identity for one VM: a P-256 key and a self-signed certificate for
 * 127.0.0.1, by openssl, in memory (both come back on stdout; nothing is written to disk). It
 * goes to that VM alone, after its CRNG reseed, over its private agent socket. Made on the host
 * because openssl in the guest costs ~1.4 s per key under TCG (docs/performance.md).
 */
export function makeEngineIdentity(vmName: string): Promise<EngineIdentity> {
  const cn = vmName.slice(0, 63).replace(/[^a-zA-Z0-9.-]/g, '-');
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    // "-": stdout, for both (Node's stdio is a socket, which /dev/stdout cannot be opened on).
    '-keyout',
    '-',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-days',
    '3650',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new EnvironmentError('vm.engine-identity', `openssl could not run: ${error.message}`, {
          hint: 'apt-get install -y openssl',
        }),
      ),
    );
    child.once('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      const key = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----\n/.exec(text)?.[0];
      const cert = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/.exec(text)?.[0];
      // The output holds a private key: it never goes into the error.
      if (code !== 0 || key === undefined || cert === undefined) {
        reject(new EnvironmentError('vm.engine-identity', `openssl req failed (exit ${code})`));
      } else resolve({ keyPem: key, certificatePem: cert });
    });
  });
}

/**
 * A PEM block as one space-free word for the agent's command line: newlines as "|", spaces as
 * "_" (neither occurs in base64); the agent turns them back with shell built-ins.
 */
export function pemForAgent(pem: string): string {
  return pem.trimEnd().replaceAll('\n', '|').replaceAll(' ', '_');
}

/**
 * Checks that `pem` is what makeEngineIdentity makes: one self-signed certificate for 127.0.0.1 with an
 * EC key. Returns the parsed certificate; throws an EnvironmentError naming the VM otherwise (the
 * certificate is public, but its text is left out of the message all the same).
 */
export function checkEngineCertificate(pem: string, vmName: string): X509Certificate {
  const problem = (what: string) =>
    new EnvironmentError(
      'vm.engine-identity',
      `VM ${vmName} sent an unusable engine certificate: ${what}`,
      {
        hint: 'rebuild the VM image with `dockhand machines image --force`',
      },
    );
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) throw problem('not exactly one PEM certificate');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw problem('not a valid X.509 certificate');
  }
  if (certificate.publicKey.asymmetricKeyType !== 'ec') throw problem('not an EC key');
  if (!certificate.verify(certificate.publicKey)) throw problem('not self-signed');
  if (!(certificate.subjectAltName ?? '').split(', ').includes('IP Address:127.0.0.1')) {
    throw problem('not for 127.0.0.1');
  }
  return certificate;
}

/**
 * Writes the TLS directory the host uses for one VM's engine (ca.pem, cert.pem, key.pem as
 * DOCKER_CERT_PATH has them): ca.pem is that VM's own certificate and nothing else, so a
 * connection to any other engine (another VM's port, an earlier identity) fails verification;
 * cert.pem and key.pem are copies of the image's client credentials, which never enter a guest.
 * The directory is private (0700) and goes with the VM's state directory.
 */
export async function writeVmTrust(
  dir: string,
  serverCertificatePem: string,
  clientDir: string,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(join(dir, 'ca.pem'), serverCertificatePem, { mode: 0o644 });
  await copyFile(join(clientDir, 'cert.pem'), join(dir, 'cert.pem'));
  await copyFile(join(clientDir, 'key.pem'), join(dir, 'key.pem'));
  await chmod(join(dir, 'key.pem'), 0o600);
}
