import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  checkEngineCertificate,
  makeEngineIdentity,
  parseReseedAnswer,
  pemForAgent,
  writeVmTrust,
} from './engine-identity.js';

// Fixed certificates (public material only; the keys were thrown away when they were made with
// `openssl req -x509`): what the guest agent makes, and three kinds it must not be taken for.
const SELF_SIGNED_EC = `-----BEGIN CERTIFICATE-----
MIIBhjCCASygAwIBAgIUFkrbyPSnI4BkcQsMaIOTKN8pa+MwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdm0tYTAgFw0yNjExMjgyMTU2MTNaGA8yMTI2MTEwNDIxNTYx
M1owDzENMAsGA1UEAwwEdm0tYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABA8W
4/o2hqu+ieXdkD/XsFFbpiRkJ6oEFjZ663W2LZA0dLCNqnFgxO7gLFxXKgukRTdq
rAz7lw5lAuAtcl49AB6jZDBiMB0GA1UdDgQWBBRvMu8x1X2oZYiew5uQ1qctr9fi
6TAfBgNVHSMEGDAWgBRvMu8x1X2oZYiew5uQ1qctr9fi6TAPBgNVHRMBAf8EBTAD
AQH/MA8GA1UdEQQIMAaHBH8AAAEwCgYIKoZIzj0EAwIDSAAwRQIhAKQS5TTPr76C
ChnATJLcQHByMcDUrIxq2BEgyBIyg7rkAiAunas1yGemNqdeZyE7LZlE9bl1Uz6I
78pbiYeqUjTCmQ==
-----END CERTIFICATE-----`;
const WRONG_NAME = `-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUdTKGxAu/+S8CoK8eXG6UuXDccgAwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdm0teDAgFw0yNjExMjgyMTU2MTNaGA8yMTI2MTEwNDIxNTYx
M1owDzENMAsGA1UEAwwEdm0teDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNmO
llJL6VVV1wcfMT4jy7WtYoFl8g7wflXkSzW5FP7xjg5ncYDwBlSuX3/zazJKjqC0
A32KjXRwHqQfTUqxXl+jazBpMB0GA1UdDgQWBBRraDAIbgNjEHPFq8DB66sfnCoN
fjAfBgNVHSMEGDAWgBRraDAIbgNjEHPFq8DB66sfnCoNfjAPBgNVHRMBAf8EBTAD
AQH/MBYGA1UdEQQPMA2CC2V4YW1wbGUub3JnMAoGCCqGSM49BAMCA0cAMEQCIFsL
2ezHxFUIsqRjNNcuO9MpeP52A+4U9aLdG6Qs1hVNAiAq4mnl+uDyA+I1CASAceVe
nRlwOm+7dgz9LFVOGRnp5Q==
-----END CERTIFICATE-----`;
const RSA = `-----BEGIN CERTIFICATE-----
MIICDTCCAXagAwIBAgIUQCXX29VifrAUwHwbNShsWLMMT9owDQYJKoZIhvcNAQEL
BQAwDzENMAsGA1UEAwwEdm0tcjAgFw0yNjExMjgyMTU2MTRaGA8yMTI2MTEwNDIx
NTYxNFowDzENMAsGA1UEAwwEdm0tcjCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkC
gYEAoXR96i3A5RMBRhKCaURoI4TUGBuDHFzquC419WIHrIvrLIeXhaJ+PWG8Mek1
lJhg/S9bqRL3WY7LJ6m63K3Ogj+7axNQShMNlt8j2YVM3JEUqN8nQiEc+gsLWErL
rHrycBCN39PVKuaw+IGvGn+qKLu3eyYeyG/PjOUfTzcUF5MCAwEAAaNkMGIwHQYD
VR0OBBYEFCOgBe1QznuM7VbJKPcXL2M6l53zMB8GA1UdIwQYMBaAFCOgBe1QznuM
7VbJKPcXL2M6l53zMA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAN
BgkqhkiG9w0BAQsFAAOBgQCOm6y23d8z9mtklJmgjM9JKu5JxgNv/ViTErCUNhBg
ZWPlWl0XByvSFEWQ5xaQx2z4UtYG/50LqM9oTlQxnI5S0ID0wGX6f2Uk2gcGuqbt
F2QaDlg8P63OnFzBP+gF/DR9YhVAD/hHzjc0jSgBaMKfeZ4LRnC5IQeq5nhzHWHe
0g==
-----END CERTIFICATE-----`;
const CA_SIGNED = `-----BEGIN CERTIFICATE-----
MIIBcjCCARmgAwIBAgIUdP1/wN1HBi3thQWMH/dRF9N13icwCgYIKoZIzj0EAwIw
DTELMAkGA1UEAwwCY2EwIBcNMjYxMTI4MjE1NjE0WhgPMjEyNjExMDQyMTU2MTRa
MA8xDTALBgNVBAMMBHZtLXMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATcnLC3
H/c5IjYQS8IB4lqz0de19uKR1EQXAK0ZwiZNOrca/ZcfSk9LyLCFe9RC3NTYl/M1
GUXsg1lovyl/jf+Fo1MwUTAPBgNVHREECDAGhwR/AAABMB0GA1UdDgQWBBTYDnQu
fpNlcejlAE1vnCyhYyQURTAfBgNVHSMEGDAWgBQKffDyYBD9/2ELkHDPdD/bVS5Z
szAKBggqhkjOPQQDAgNHADBEAiBHtSsOspwNeIy41h7C0BRtFA0aFMZ+LGfIY161
uy+MEwIgaMK7SwfeSl32FP5KH4aKoNOvVVnMennmo3navXG+zQ0=
-----END CERTIFICATE-----`;

describe('parseReseedAnswer', () => {
  it('takes the answer with this nonce', () => {
    expect(parseReseedAnswer('ok n1\n', 'n1')).toEqual({ status: 'ok' });
    expect(parseReseedAnswer('noreseed n1', 'n1')).toEqual({ status: 'noreseed' });
    expect(parseReseedAnswer('noidentity n1', 'n1')).toEqual({ status: 'noidentity' });
    expect(parseReseedAnswer('what n1', 'n1')).toEqual({ status: 'unknown' });
  });

  it('skips answers to other commands (another nonce)', () => {
    expect(parseReseedAnswer('ok n0', 'n1')).toBeUndefined();
    expect(parseReseedAnswer('pong', 'n1')).toBeUndefined();
  });
});

/** The agent's `pem` shell function (guest-scripts.ts AGENT), for the round trip. */
const fromAgentWord = (word: string) => `${word.replaceAll('|', '\n').replaceAll('_', ' ')}\n`;

describe('pemForAgent', () => {
  it('makes one space-free word that the agent turns back into the same PEM', () => {
    const word = pemForAgent(SELF_SIGNED_EC);
    expect(word).not.toMatch(/\s/);
    expect(fromAgentWord(word)).toBe(`${SELF_SIGNED_EC}\n`);
  });
});

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!haveOpenssl)('makeEngineIdentity', () => {
  it('makes a matching key and certificate, different every time', async () => {
    const [one, two] = await Promise.all([makeEngineIdentity('vm-1'), makeEngineIdentity('vm-1')]);
    const cert = checkEngineCertificate(one.certificatePem, 'vm-1');
    expect(cert.subject).toBe('CN=vm-1');
    expect(cert.checkPrivateKey(createPrivateKey(one.keyPem))).toBe(true);
    expect(new X509Certificate(two.certificatePem).publicKey.equals(cert.publicKey)).toBe(false);
    expect(fromAgentWord(pemForAgent(one.keyPem))).toBe(one.keyPem);
  });
});

describe('checkEngineCertificate', () => {
  it('accepts a self-signed EC certificate for 127.0.0.1', () => {
    expect(checkEngineCertificate(SELF_SIGNED_EC, 'vm-a').subject).toContain('CN=vm-a');
  });

  it.each([
    ['not for 127.0.0.1', WRONG_NAME],
    ['not an EC key', RSA],
    ['not self-signed', CA_SIGNED],
    ['not exactly one PEM certificate', `${SELF_SIGNED_EC}\n${SELF_SIGNED_EC}`],
    ['not exactly one PEM certificate', 'hello'],
    [
      'not a valid X.509 certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    ],
  ])('rejects a certificate that is %s', (what, pem) => {
    expect(() => checkEngineCertificate(pem, 'vm-a')).toThrow(
      `VM vm-a sent an unusable engine certificate: ${what}`,
    );
  });
});

describe('writeVmTrust', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('pins only the VM certificate next to private copies of the client credentials', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dh-trust-'));
    dirs.push(root);
    const client = join(root, 'client');
    await mkdir(client);
    await writeFile(join(client, 'ca.pem'), 'image CA');
    await writeFile(join(client, 'cert.pem'), 'client cert');
    await writeFile(join(client, 'key.pem'), 'client key', { mode: 0o600 });
    const trust = join(root, 'vm', 'engine-tls');
    await writeVmTrust(trust, 'old', client);
    await writeVmTrust(trust, SELF_SIGNED_EC, client);
    expect(await readFile(join(trust, 'ca.pem'), 'utf8')).toBe(SELF_SIGNED_EC);
    expect(await readFile(join(trust, 'cert.pem'), 'utf8')).toBe('client cert');
    expect(await readFile(join(trust, 'key.pem'), 'utf8')).toBe('client key');
    expect((await stat(trust)).mode & 0o777).toBe(0o700);
    expect((await stat(join(trust, 'key.pem'))).mode & 0o777).toBe(0o600);
  });
});
