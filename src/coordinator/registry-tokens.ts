/**
 * Per-job container registry credentials, as GitLab issues them: a distribution registry
 * configured with `auth.token` sends clients to `GET /jwt/auth` (the realm), where the job
 * authenticates as `gitlab-ci-token:<job token>` and gets an RS256 JWT whose `access` is limited
 * to its own project's repositories (`<project path>` and `<project path>/*`) while it runs.
 */
import { createHash, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { Hono } from 'hono';
import type { Clock } from './clock.js';
import type { JobRecord, Store } from './store/store.js';
import { tokenMatches } from './tokens.js';

/** The user a job authenticates as (GitLab's CI_REGISTRY_USER). */
export const REGISTRY_JOB_USER = 'gitlab-ci-token';
/** GitLab's defaults for the registry's `auth.token.service` and `issuer`. */
export const DEFAULT_REGISTRY_SERVICE = 'container_registry';
export const DEFAULT_REGISTRY_ISSUER = 'dockhand';
/** Path of the token endpoint (the registry's `auth.token.realm`). */
export const REGISTRY_TOKEN_PATH = '/jwt/auth';

export interface RegistryAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface RegistryTokenConfig {
  /** PEM (PKCS#8 or PKCS#1) RSA private key whose certificate is in the registry's rootcertbundle. */
  readonly privateKeyPem: string;
  readonly service: string;
  readonly issuer: string;
  /** Token lifetime in seconds. Default 300 (GitLab's default). */
  readonly ttlS?: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The libtrust key ID distribution matches a JWT `kid` against: base32 of the first 30 bytes of
 * the SHA-256 of the DER SubjectPublicKeyInfo, in 12 groups of 4 joined by `:`.
 */
export function libtrustKeyId(key: KeyObject | string): string {
  const publicKey = typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  return (base32(digest).match(/.{4}/g) ?? []).join(':');
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export interface TokenClaims {
  readonly subject: string;
  readonly access: readonly RegistryAccess[];
  /** Seconds since the epoch. */
  readonly now: number;
}

/** Signs a registry token (RS256, `kid` = libtrust key ID of the signing key). */
export function signRegistryToken(config: RegistryTokenConfig, claims: TokenClaims): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: libtrustKeyId(config.privateKeyPem) };
  const payload = {
    iss: config.issuer,
    sub: claims.subject,
    aud: config.service,
    exp: claims.now + (config.ttlS ?? 300),
    nbf: claims.now - 5,
    iat: claims.now,
    jti: randomUUID(),
    access: claims.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), config.privateKeyPem);
  return `${input}.${b64url(signature)}`;
}

/** `repository:<name>:<actions>` → parts; undefined for anything else. */
export function parseScope(scope: string): RegistryAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  if (name === '') return undefined;
  return { type, name, actions };
}

/**
 * What a job of `projectPath` may do for a requested scope: pull and push on the project's own
 * repositories; nothing anywhere else (an entry with no actions, as GitLab answers).
 */
export function grantedAccess(projectPath: string, requested: RegistryAccess): RegistryAccess {
  const own =
    requested.type === 'repository' &&
    (requested.name === projectPath || requested.name.startsWith(`${projectPath}/`));
  const actions = own ? requested.actions.filter((a) => a === 'pull' || a === 'push') : [];
  return { type: requested.type, name: requested.name, actions: [...new Set(actions)] };
}

function basicCredentials(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : { user: text.slice(0, at), password: text.slice(at + 1) };
}

async function runningJobWithToken(store: Store, token: string): Promise<JobRecord | undefined> {
  for (const status of ['running', 'canceling'] as const) {
    for (const job of await store.listJobsByStatus(status)) {
      if (tokenMatches(token, job.tokenHash)) return job;
    }
  }
  return undefined;
}

export interface RegistryTokenRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: RegistryTokenConfig;
  /** The registry path of a job's project, e.g. `dockhand/demo`. */
  readonly projectPathOf: (job: JobRecord) => string | undefined;
}

/** `GET /jwt/auth?service=…&scope=…`: the registry's token realm. */
export function registryTokenRoutes(options: RegistryTokenRouteOptions): Hono {
  const routes = new Hono();
  routes.get(REGISTRY_TOKEN_PATH, async (c) => {
    const unauthorized = () => {
      c.header('WWW-Authenticate', 'Basic realm="dockhand registry token"');
      return c.json({ message: '401 Unauthorized' }, 401);
    };
    const service = c.req.query('service');
    if (service !== undefined && service !== options.config.service) {
      return c.json({ message: '404 Not Found - unknown service' }, 404);
    }
    const credentials = basicCredentials(c.req.header('Authorization'));
    if (credentials?.user !== REGISTRY_JOB_USER) return unauthorized();
    const job = await runningJobWithToken(options.store, credentials.password);
    const projectPath = job === undefined ? undefined : options.projectPathOf(job);
    if (job === undefined || projectPath === undefined) return unauthorized();
    const access = (c.req.queries('scope') ?? [])
      .flatMap((scope) => scope.split(' '))
      .map(parseScope)
      .filter((scope): scope is RegistryAccess => scope !== undefined)
      .map((scope) => grantedAccess(projectPath, scope));
    const now = Math.floor(options.clock.now() / 1000);
    const token = signRegistryToken(options.config, {
      subject: `${REGISTRY_JOB_USER}:job-${job.id}`,
      access,
      now,
    });
    c.header('Cache-Control', 'no-store');
    return c.json({
      token,
      access_token: token,
      expires_in: options.config.ttlS ?? 300,
      issued_at: new Date(now * 1000).toISOString(),
    });
  });
  return routes;
}

/**
 * An app serving only the realm of `coordinator` (which mounts registryTokenRoutes): what a
 * second listener on a container network's gateway exposes, so jobs' engines there reach the
 * realm but not the runner API, the admin API or the page.
 */
export function registryRealmApp(coordinator: Hono): Hono {
  const realm = new Hono();
  realm.get(REGISTRY_TOKEN_PATH, (c) => coordinator.fetch(c.req.raw));
  return realm;
}
