/**
 * Runs the coordinator over HTTP: opens the data directory (SQLite store, artifacts, token
 * files), registers projects, listens, and sweeps for lost runners. The composition of real
 * dependencies for `dockhand server`; tests use `listen()` with their own app.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createCoordinatorApp, type Coordinator, type CoordinatorOptions } from './app.js';
import { diskArtifactStorage } from './artifact-storage.js';
import { bareRepoPath, ensureBareRepo } from './git/project-repos.js';
import { systemClock, type Clock } from './clock.js';
import { gitPipelineTrigger, type PipelineTrigger } from './pipeline-trigger.js';
import { readOrCreateRegistryKey } from './registry-key.js';
import {
  DEFAULT_REGISTRY_ISSUER,
  DEFAULT_REGISTRY_SERVICE,
  REGISTRY_TOKEN_PATH,
  registryRealmApp,
} from './registry-tokens.js';
import { openSqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';
import { generateToken, hashToken } from './tokens.js';

export interface Listening {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `app` on host:port (0: any free port) and resolves once it accepts connections. */
export function listen(app: Hono, host: string, port: number): Promise<Listening> {
  return new Promise((resolvePromise, reject) => {
    let server: ServerType | undefined = undefined;
    const onListening = (info: AddressInfo) => {
      const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolvePromise({
        url: `http://${shown}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server?.close(() => done());
            // Held long polls would keep close() waiting for their whole hold time.
            if (server !== undefined && 'closeAllConnections' in server)
              server.closeAllConnections();
          }),
      });
    };
    server = serve({ fetch: app.fetch, hostname: host, port }, onListening);
    server.once('error', reject);
  });
}

/** `host:port` → parts; IPv6 hosts in brackets. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port > 65535) return undefined;
  return { host, port };
}

/** Reads a secret file of the data directory, creating it (mode 0600) on first start. */
export async function readOrCreateSecret(file: string, prefix: string): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text !== '') return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = generateToken(prefix);
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}

export const DATA_FILES = {
  database: 'coordinator.db',
  artifacts: 'artifacts',
  adminToken: 'admin-token',
  registrationToken: 'registration-token',
  /** The URL of the running server, for `dockhand server trigger`. */
  url: 'server-url',
  /** Signs registry tokens; the certificate is the registry's `auth.token.rootcertbundle`. */
  registryKey: 'registry-token.key',
  registryCert: 'registry-token.crt',
  /** Bare repositories of projects created by a push or named without a path (`NAME.git`). */
  repos: 'repos',
} as const;

export interface ServerOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Projects and their git repositories; without a path, a bare one under DIR/repos. */
  readonly projects: readonly { readonly name: string; readonly path?: string }[];
  /** A git push to an unknown project creates it. Default true. */
  readonly createOnPush?: boolean;
  readonly clock?: Clock;
  readonly sweepIntervalMs?: number;
  /** The container registry (token auth) as jobs reach it: enables CI_REGISTRY* and /jwt/auth. */
  readonly registry?: {
    readonly host: string;
    /** `auth.token.service` of the registry. Default container_registry. */
    readonly service?: string;
    /** `auth.token.issuer` of the registry. Default dockhand. */
    readonly issuer?: string;
    /**
     * A second address serving only the token realm, for engines that cannot reach `host`
     * (a docker:dind service on a job network reaches its network's gateway, not the host's
     * loopback). Port 0: any free port.
     */
    readonly realmListen?: { readonly host: string; readonly port: number };
  };
  readonly tuning?: Pick<
    CoordinatorOptions,
    'pollHoldMs' | 'lostRunnerAfterMs' | 'traceUpdateIntervalS' | 'maxArtifactBytes'
  >;
}

export interface RunningServer extends Listening {
  readonly coordinator: Coordinator;
  readonly store: Store;
  readonly files: {
    readonly adminToken: string;
    readonly registrationToken: string;
    /** The certificate to give the registry as `auth.token.rootcertbundle` (with --registry). */
    readonly registryCert: string;
  };
  /** The registry's `auth.token.realm` (with `registry`): on `realmListen` when given. */
  readonly registryRealm: string | undefined;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const dir = resolve(options.dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const clock = options.clock ?? systemClock;
  const files = {
    adminToken: join(dir, DATA_FILES.adminToken),
    registrationToken: join(dir, DATA_FILES.registrationToken),
    registryCert: join(dir, DATA_FILES.registryCert),
  };
  const admin = await readOrCreateSecret(files.adminToken, 'dhadm-');
  const registration = await readOrCreateSecret(files.registrationToken, 'dhreg-');
  const registryKey =
    options.registry === undefined
      ? undefined
      : await readOrCreateRegistryKey({
          key: join(dir, DATA_FILES.registryKey),
          cert: files.registryCert,
        });
  const store = openSqliteStore(join(dir, DATA_FILES.database));
  const reposDir = join(dir, DATA_FILES.repos);
  for (const project of options.projects) {
    const path = project.path ?? bareRepoPath(reposDir, project.name);
    if (project.path === undefined && !(await ensureBareRepo(path))) {
      throw new Error(`could not create the git repository ${path}`);
    }
    await store.upsertProject(project.name, resolve(path));
  }
  // The port is known only once listening; the trigger reads it at pipeline creation.
  let url = '';
  const trigger: PipelineTrigger = {
    create: (request) =>
      gitPipelineTrigger(store, clock, url, options.registry?.host).create(request),
  };
  const coordinator = createCoordinatorApp({
    store,
    clock,
    artifacts: diskArtifactStorage(join(dir, DATA_FILES.artifacts)),
    registrationTokenHash: hashToken(registration),
    adminTokenHash: hashToken(admin),
    pipelines: trigger,
    git: { reposDir, createOnPush: options.createOnPush ?? true },
    ...(registryKey === undefined
      ? {}
      : {
          registryTokens: {
            privateKeyPem: registryKey.privateKeyPem,
            service: options.registry?.service ?? DEFAULT_REGISTRY_SERVICE,
            issuer: options.registry?.issuer ?? DEFAULT_REGISTRY_ISSUER,
          },
        }),
    ...options.tuning,
  });
  const listening = await listen(coordinator.app, options.host, options.port);
  url = listening.url;
  const realmAt = options.registry?.realmListen;
  const realm =
    realmAt === undefined
      ? undefined
      : await listen(registryRealmApp(coordinator.app), realmAt.host, realmAt.port).catch(
          async (error: unknown) => {
            await listening.close();
            await store.close();
            throw error;
          },
        );
  await writeFile(join(dir, DATA_FILES.url), `${url}\n`);
  const sweep = setInterval(() => {
    coordinator.scheduler.sweepLost().catch(() => undefined);
  }, options.sweepIntervalMs ?? 30_000);
  sweep.unref();
  return {
    url,
    coordinator,
    store,
    files,
    registryRealm:
      options.registry === undefined ? undefined : `${realm?.url ?? url}${REGISTRY_TOKEN_PATH}`,
    async close() {
      clearInterval(sweep);
      await realm?.close();
      await listening.close();
      await store.close();
    },
  };
}
