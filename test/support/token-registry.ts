/**
 * A real distribution 2.8 registry (the image scripts/engine-up builds) configured with
 * `auth.token` against a dockhand server's realm, for the engine tests: published on a free
 * loopback port for the host's engine and, when asked, on a docker network under an alias for
 * containers (docker:dind services). Docker is run asynchronously: the realm is usually served
 * by the test's own process, which must keep answering.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  DEFAULT_REGISTRY_ISSUER,
  DEFAULT_REGISTRY_SERVICE,
  signRegistryToken,
} from '../../src/coordinator/registry-tokens.js';

export const TOKEN_REGISTRY_IMAGE = 'dockhand/registry:2.8';

export interface DockerResult {
  readonly code: number | null;
  readonly output: string;
}

export function dockerAsync(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<DockerResult> {
  return new Promise((done) => {
    const child = spawn('docker', args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => done({ code, output }));
  });
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export interface TokenRegistryOptions {
  /** Where the config file is written. */
  readonly dir: string;
  readonly name: string;
  /** The loopback port it is published on (freeLoopbackPort()). */
  readonly port: number;
  /** The registry's `auth.token.realm`. */
  readonly realm: string;
  /** The realm's certificate (`rootcertbundle`) and key (to sign the test's own read tokens). */
  readonly certFile: string;
  readonly keyFile: string;
  /** A network the registry also joins, under `alias` (port 5000 there). */
  readonly network?: { readonly name: string; readonly alias: string };
}

export interface TokenRegistry {
  /** `127.0.0.1:PORT`, as the host's engine reaches it. */
  readonly host: string;
  /** Tags of a repository, read with a pull token signed by the realm's key. */
  tags(repository: string): Promise<string[]>;
  remove(): Promise<void>;
}

async function waitForRegistry(host: string, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) return;
    if (Date.now() > deadline) {
      throw new Error(`registry did not answer: ${(await dockerAsync(['logs', name])).output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startTokenRegistry(options: TokenRegistryOptions): Promise<TokenRegistry> {
  const host = `127.0.0.1:${options.port}`;
  const config = join(options.dir, `${options.name}.yml`);
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: warn}',
      'storage: {filesystem: {rootdirectory: /var/lib/registry}, delete: {enabled: true}}',
      'http: {addr: 0.0.0.0:5000}',
      'auth:',
      '  token:',
      `    realm: ${options.realm}`,
      `    service: ${DEFAULT_REGISTRY_SERVICE}`,
      `    issuer: ${DEFAULT_REGISTRY_ISSUER}`,
      '    rootcertbundle: /etc/docker/registry/token.crt',
      '',
    ].join('\n'),
  );
  const network =
    options.network === undefined
      ? []
      : ['--network', options.network.name, '--network-alias', options.network.alias];
  const run = await dockerAsync([
    ...['run', '-d', '--name', options.name, '-p', `${host}:5000`, ...network],
    ...['--label', 'dev.dockhand.managed=true'],
    ...['-v', `${config}:/etc/docker/registry/config.yml:ro`],
    ...['-v', `${options.certFile}:/etc/docker/registry/token.crt:ro`],
    TOKEN_REGISTRY_IMAGE,
  ]);
  if (run.code !== 0) throw new Error(`registry container: ${run.output}`);
  const remove = async () => void (await dockerAsync(['rm', '-f', '-v', options.name]));
  await waitForRegistry(host, options.name).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  const privateKeyPem = readFileSync(options.keyFile, 'utf8');
  return {
    host,
    remove,
    async tags(repository) {
      const token = signRegistryToken(
        { privateKeyPem, service: DEFAULT_REGISTRY_SERVICE, issuer: DEFAULT_REGISTRY_ISSUER },
        {
          subject: 'e2e-reader',
          access: [{ type: 'repository', name: repository, actions: ['pull'] }],
          now: Math.floor(Date.now() / 1000),
        },
      );
      const response = await fetch(`http://${host}/v2/${repository}/tags/list`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`tags of ${repository}: ${response.status}`);
      return ((await response.json()) as { tags: string[] | null }).tags ?? [];
    },
  };
}
