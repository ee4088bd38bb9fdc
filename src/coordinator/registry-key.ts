/**
 * The key that signs registry tokens and its self-signed certificate (the registry's
 * `auth.token.rootcertbundle`), created with `openssl` on first start (node:crypto cannot write
 * X.509 certificates) and kept 0600 in the data directory.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RegistryKeyFiles {
  readonly key: string;
  readonly cert: string;
}

export interface RegistryKey {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

async function readPair(files: RegistryKeyFiles): Promise<RegistryKey | undefined> {
  try {
    const [privateKeyPem, certificatePem] = await Promise.all([
      readFile(files.key, 'utf8'),
      readFile(files.cert, 'utf8'),
    ]);
    if (privateKeyPem.includes('PRIVATE KEY') && certificatePem.includes('CERTIFICATE')) {
      return { privateKeyPem, certificatePem };
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads the key pair, creating it (RSA 2048, 10 years) when either file is missing. */
export async function readOrCreateRegistryKey(
  files: RegistryKeyFiles,
  subject = '/CN=dockhand registry token issuer',
): Promise<RegistryKey> {
  const existing = await readPair(files);
  if (existing !== undefined) return existing;
  await rm(files.cert, { force: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFile(files.key, pem, { mode: 0o600 });
  await chmod(files.key, 0o600);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    files.key,
    '-sha256',
    '-days',
    '3650',
    '-subj',
    subject,
    '-out',
    files.cert,
  ]);
  await chmod(files.cert, 0o600);
  const created = await readPair(files);
  if (created === undefined) throw new Error('openssl did not write the registry token key');
  return created;
}
