import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineMessage, statusOf } from '../engine-errors.js';
import { ApiClient } from './api-client.js';
import { pullTarget } from './resources.js';

/** A stand-in engine on a unix socket: answers from `handler`, records request paths. */
async function fakeEngine(
  apiVersion: string | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade?: (req: IncomingMessage, socket: Duplex) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-api-'));
  const socketPath = join(dir, 'engine.sock');
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (req.url === '/_ping') {
      if (apiVersion !== undefined) res.setHeader('API-Version', apiVersion);
      res.end('OK');
      return;
    }
    handler(req, res);
  });
  if (onUpgrade !== undefined) server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
      rmSync(dir, { recursive: true, force: true });
    });
  return { client: new ApiClient({ kind: 'unix', socketPath }), paths, close };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('ApiClient', () => {
  it('speaks 1.41 to newer engines and the engine’s own version to older ones', async () => {
    for (const [engineVersion, prefix] of [
      ['1.43', '/v1.41'],
      ['1.40', '/v1.40'],
    ] as const) {
      const engine = await fakeEngine(engineVersion, (_req, res) => res.end('{"Id":"abc"}'));
      const created = await engine.client.json<{ Id: string }>('POST', '/containers/create', {
        query: { name: 'x y', all: true, names: ['a', 'b'], skipped: undefined },
        json: { Image: 'busybox' },
      });
      expect(created.Id).toBe('abc');
      expect(engine.paths).toEqual([
        'GET /_ping',
        `POST ${prefix}/containers/create?name=x+y&all=1&names=a&names=b`,
      ]);
      await engine.close();
    }
  });

  it('maps error answers to their status and the engine’s message', async () => {
    const engine = await fakeEngine('1.41', (req, res) => {
      res.statusCode = req.url?.includes('json') === true ? 404 : 500;
      res.end(req.url?.includes('json') === true ? '{"message":"No such image: x"}' : 'boom\n');
    });
    cleanup = engine.close;
    const missing = await engine.client.call('GET', '/images/x/json').catch((e: unknown) => e);
    expect(statusOf(missing)).toBe(404);
    expect(engineMessage(missing)).toBe('No such image: x');
    const broken = await engine.client.call('POST', '/build').catch((e: unknown) => e);
    expect(statusOf(broken)).toBe(500);
    expect(engineMessage(broken)).toBe('boom');
  });

  it('hijacks attach: output that came with the 101 is kept, stdin half-closes', async () => {
    let received = '';
    const engine = await fakeEngine(
      '1.41',
      (_req, res) => res.end(),
      (req, socket) => {
        expect(req.headers['upgrade']).toBe('tcp');
        socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly');
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('end', () => socket.end('late'));
      },
    );
    cleanup = engine.close;
    const { socket, head } = await engine.client.upgrade('/containers/c1/attach');
    let output = head.toString();
    socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
    socket.end('echo hi\n');
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toBe('echo hi\n');
    expect(output).toBe('earlylate');
  });

  it('rejects with the abort reason’s error when the signal fires', async () => {
    const engine = await fakeEngine('1.41', () => undefined);
    cleanup = engine.close;
    const controller = new AbortController();
    const waiting = engine.client.call('POST', '/containers/c1/wait', {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(waiting).rejects.toThrow();
  });
});

describe('pullTarget', () => {
  it.each([
    ['busybox', 'busybox', 'latest'],
    ['busybox:1.36', 'busybox', '1.36'],
    ['127.0.0.1:5000/a/b', '127.0.0.1:5000/a/b', 'latest'],
    ['127.0.0.1:5000/a/b:v2', '127.0.0.1:5000/a/b', 'v2'],
    ['a/b@sha256:0123', 'a/b', 'sha256:0123'],
  ])('%s → %s + %s', (ref, fromImage, tag) => {
    expect(pullTarget(ref)).toEqual({ fromImage, tag });
  });
});
