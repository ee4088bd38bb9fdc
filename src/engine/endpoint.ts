import { EnvironmentError } from '../core/errors.js';

/** Where a Docker engine listens, in dockhand's own terms (no HTTP details). */
export type EngineEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      /** Directory holding ca.pem, cert.pem and key.pem when TLS is used. */
      readonly tlsCertPath?: string;
      readonly tlsVerify: boolean;
    };

export interface EndpointSources {
  /** `[runners.docker] host` from config.toml, if set. */
  readonly configHost?: string | undefined;
  readonly tlsVerify?: boolean | undefined;
  readonly tlsCertPath?: string | undefined;
  /** The process environment's DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Parses a Docker host URL (`unix:///path`, `tcp://host:port`, bare `/path`). Throws a
 * ConfigError-style EnvironmentError naming the bad value; hosts are not secrets.
 */
export function parseDockerHost(
  url: string,
  tls: { verify: boolean; certPath?: string | undefined },
): EngineEndpoint {
  if (url.startsWith('/')) return { kind: 'unix', socketPath: url };
  if (url.startsWith('unix://')) return { kind: 'unix', socketPath: url.slice('unix://'.length) };
  const match = /^(?:tcp|http|https):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(url);
  if (match?.[1] !== undefined) {
    const port = match[2] === undefined ? (tls.verify ? 2376 : 2375) : Number(match[2]);
    return {
      kind: 'tcp',
      host: match[1].replace(/^\[|\]$/g, ''),
      port,
      tlsVerify: tls.verify,
      ...(tls.certPath === undefined ? {} : { tlsCertPath: tls.certPath }),
    };
  }
  throw new EnvironmentError('engine.bad-host', `cannot use Docker host "${url}"`, {
    hint: 'use unix:///var/run/docker.sock or tcp://HOST:PORT',
  });
}

/**
 * The endpoint strategy chain, first match wins: config.toml `host`, then DOCKER_HOST, then the
 * default unix socket. This is the order GitLab Runner uses.
 */
export function resolveEndpoint(sources: EndpointSources = {}): EngineEndpoint {
  const env = sources.env ?? {};
  const envVerify = env['DOCKER_TLS_VERIFY'] !== undefined && env['DOCKER_TLS_VERIFY'] !== '';
  if (sources.configHost !== undefined && sources.configHost !== '') {
    return parseDockerHost(sources.configHost, {
      verify: sources.tlsVerify ?? false,
      certPath: sources.tlsCertPath,
    });
  }
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost !== undefined && dockerHost !== '') {
    return parseDockerHost(dockerHost, { verify: envVerify, certPath: env['DOCKER_CERT_PATH'] });
  }
  return { kind: 'unix', socketPath: DEFAULT_SOCKET };
}

export function describeEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.kind === 'unix'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.host}:${endpoint.port}`;
}
