import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import type { EngineEndpoint } from '../endpoint.js';
import { EngineApiError } from '../engine-errors.js';
import { createTransport, type Transport } from './transport.js';

/**
 * The API version dockhand speaks: Docker 20.10's. Older engines are spoken to in their own
 * (lower) version; everything dockhand uses exists since well before that (wait conditions:
 * 1.30). Newer engines still serve 1.41, which keeps the response shapes dockhand reads fixed.
 */
const API_VERSION: readonly [number, number] = [1, 41];

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface ApiRequest {
  readonly query?: Query;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Streamed as it is read (chunked), never buffered: build contexts and tars can be large. */
  readonly body?: Readable;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

/** A hijacked connection: the raw socket and whatever arrived with the 101 response. */
export interface Upgraded {
  readonly socket: Socket;
  readonly head: Buffer;
}

/** Path segments (ids, names, image references) keep `/`, `:` and `@`, as the engine routes them. */
export function segment(value: string): string {
  return encodeURI(value).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'boolean') params.append(key, value ? '1' : '0');
    else if (typeof value === 'object') for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The engine's error body (`{"message": …}`, or plain text) as an EngineApiError. */
async function apiError(response: IncomingMessage): Promise<EngineApiError> {
  const status = response.statusCode ?? 0;
  const text = (await readAll(response).catch(() => Buffer.alloc(0))).toString('utf8').trim();
  let json: { message?: string } | null = null;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) json = parsed;
  } catch {
    // Not JSON (a proxy, an old engine): the text itself is the message.
  }
  return new EngineApiError(status, json, json?.message ?? (text || `HTTP ${status}`));
}

function parseVersion(text: string | undefined): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)/.exec(text ?? '');
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** Docker Engine API over node:http: JSON in and out, streamed bodies, hijacked attach. */
export class ApiClient {
  private readonly transport: Transport;
  /** `/v1.41` (or the engine's lower version), learnt from the first `/_ping`. */
  private prefix: string | undefined;
  private negotiating: Promise<void> | undefined;

  constructor(endpoint: EngineEndpoint) {
    this.transport = createTransport(endpoint);
  }

  /** `GET /_ping`; also fixes the API version from its `API-Version` header. */
  async ping(signal?: AbortSignal): Promise<void> {
    const response = await this.open('GET', '/_ping', { signal });
    await readAll(response);
    this.prefix ??= this.negotiated(response.headers['api-version']);
  }

  /** A successful (2xx) response whose body the caller reads, e.g. a progress stream or a tar. */
  async stream(method: string, path: string, request: ApiRequest = {}): Promise<IncomingMessage> {
    return this.open(method, (await this.versionPrefix(request.signal)) + path, request);
  }

  /** The response body parsed as JSON (undefined when empty). */
  async json<T>(method: string, path: string, request: ApiRequest = {}): Promise<T> {
    const body = await this.buffer(method, path, request);
    return (body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))) as T;
  }

  /** The whole response body. */
  async buffer(method: string, path: string, request: ApiRequest = {}): Promise<Buffer> {
    return readAll(await this.stream(method, path, request));
  }

  /** A request whose response body does not matter; it is drained so the socket is reused. */
  async call(method: string, path: string, request: ApiRequest = {}): Promise<void> {
    await this.buffer(method, path, request);
  }

  /**
   * `Connection: Upgrade` / `Upgrade: tcp`: the engine answers 101 and the socket becomes a raw
   * duplex stream (attach). Any other answer is an error.
   */
  async upgrade(path: string, request: ApiRequest = {}): Promise<Upgraded> {
    const prefix = await this.versionPrefix(request.signal);
    return new Promise<Upgraded>((resolve, reject) => {
      const req = this.begin('POST', prefix + path, request, {
        Connection: 'Upgrade',
        Upgrade: 'tcp',
      });
      req.once('upgrade', (_response: IncomingMessage, socket: Socket, head: Buffer) =>
        resolve({ socket, head }),
      );
      req.once('response', (response: IncomingMessage) => {
        if (!isSuccess(response.statusCode ?? 0)) {
          apiError(response).then(reject, reject);
          return;
        }
        response.resume();
        const status = response.statusCode ?? 0;
        reject(new EngineApiError(status, null, `the engine did not upgrade ${path} (${status})`));
      });
      req.once('error', reject);
      req.end();
    });
  }

  private async versionPrefix(signal: AbortSignal | undefined): Promise<string> {
    if (this.prefix === undefined) {
      // Concurrent first requests share one ping; a failed one is retried by the next request.
      this.negotiating ??= this.ping(signal).finally(() => {
        this.negotiating = undefined;
      });
      await this.negotiating;
    }
    return this.prefix ?? '';
  }

  private negotiated(header: string | string[] | undefined): string {
    const server = parseVersion(typeof header === 'string' ? header : undefined);
    // No header (a very old engine or a proxy): unversioned paths, the engine's own default.
    if (server === undefined) return '';
    const [major, minor] = API_VERSION;
    const older = server[0] < major || (server[0] === major && server[1] < minor);
    return older ? `/v${server[0]}.${server[1]}` : `/v${major}.${minor}`;
  }

  private open(method: string, path: string, request: ApiRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.begin(method, path, request, {});
      req.once('response', (response: IncomingMessage) => {
        if (isSuccess(response.statusCode ?? 0)) resolve(response);
        else apiError(response).then(reject, reject);
      });
      req.once('error', reject);
      if (request.body !== undefined) {
        // A failed body (or a request the engine cut short) rejects unless an answer came first.
        pipeline(request.body, req, (error) => {
          if (error !== null && error !== undefined) reject(error);
        });
      } else if (request.json !== undefined) {
        req.end(JSON.stringify(request.json));
      } else {
        req.end();
      }
    });
  }

  private begin(
    method: string,
    path: string,
    request: ApiRequest,
    extra: OutgoingHttpHeaders,
  ): ClientRequest {
    const headers: OutgoingHttpHeaders = { ...request.headers, ...extra };
    if (request.json !== undefined) headers['Content-Type'] = 'application/json';
    return this.transport.request({
      ...this.transport.target,
      agent: this.transport.agent,
      method,
      path: path + queryString(request.query),
      headers,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
  }
}
