import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { join } from 'node:path';
import type { EngineEndpoint } from '../endpoint.js';

/** How to reach one engine: a connection pool and the request options that address it. */
export interface Transport {
  readonly agent: Agent;
  /** Socket path, or host and port: merged into every request's options. */
  readonly target: Readonly<RequestOptions>;
  readonly request: (options: RequestOptions) => ClientRequest;
}

/**
 * One keep-alive pool per engine, so the many small calls of a job share a connection instead of
 * paying a connect (and, over TLS, a handshake) each. Idle pooled sockets are unref'd by Node and
 * do not keep the process alive.
 *
 * TCP uses TLS only when verification is on and a certificate directory is given, as the Docker
 * CLI's DOCKER_TLS_VERIFY / DOCKER_CERT_PATH pair does; the directory holds ca.pem, cert.pem and
 * key.pem (the QEMU driver's VM engines listen like that on 127.0.0.1).
 */
export function createTransport(endpoint: EngineEndpoint): Transport {
  if (endpoint.kind === 'unix') {
    return {
      agent: new Agent({ keepAlive: true }),
      target: { socketPath: endpoint.socketPath },
      request: httpRequest,
    };
  }
  const target = { host: endpoint.host, port: endpoint.port };
  if (!endpoint.tlsVerify || endpoint.tlsCertPath === undefined) {
    return { agent: new Agent({ keepAlive: true }), target, request: httpRequest };
  }
  // node:https (and with it tls) is loaded only for a TLS engine: most runs talk to a unix
  // socket, and every module counts in the start-up of a one-line job.
  const https = process.getBuiltinModule('node:https');
  const dir = endpoint.tlsCertPath;
  const agent = new https.Agent({
    keepAlive: true,
    // No TLS session resumption: a server that checks client certificates must set a session id
    // context to resume, and the VM engines' TLS (socat, one process per connection) does not, so
    // a resumed handshake ends in an "internal error" alert. Keep-alive saves the handshakes.
    maxCachedSessions: 0,
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    key: readFileSync(join(dir, 'key.pem')),
  });
  return { agent, target, request: https.request };
}
