import { describe, expect, it } from 'vitest';
import { traceChecksum } from '../protocol/trace.js';
import { FakeClock } from './fake-clock.js';
import { FakeCoordinatorClient } from './fake-coordinator-client.js';
import { HttpTraceSink, type RemoteCommand } from './http-trace-sink.js';

function setup(options: { finalUpdateRetryLimit?: number } = {}) {
  const client = new FakeCoordinatorClient();
  const clock = new FakeClock();
  const commands: RemoteCommand[] = [];
  const sink = new HttpTraceSink({
    client,
    jobId: 7,
    jobToken: 'glcbt-secret-job-token',
    clock,
    updateIntervalMs: 3000,
    onRemote: (command) => commands.push(command),
    ...options,
  });
  sink.start();
  return { client, clock, sink, commands };
}

describe('HttpTraceSink', () => {
  it('patches what was written once per update interval, from where the server is', async () => {
    const { client, clock, sink } = setup();
    sink.write('line 1\n');
    sink.write('line 2\n');
    await clock.advance(2999);
    expect(client.patches).toEqual([]);
    await clock.advance(1);
    expect(client.patches).toEqual([{ jobId: 7, offset: 0, length: 14 }]);
    sink.write('é\n');
    await clock.advance(3000);
    expect(client.patches[1]).toEqual({ jobId: 7, offset: 14, length: 3 });
    // Nothing new: no empty patch.
    await clock.advance(3000);
    expect(client.patches).toHaveLength(2);
    expect(client.traceText(7)).toBe('line 1\nline 2\né\n');
  });

  it('sends the rest and a final update with the crc32 checksum and size', async () => {
    const { client, clock, sink } = setup();
    sink.write('hello\n');
    await clock.advance(3000);
    sink.write('bye\n');
    await sink.close();
    const outcome = await sink.finish({
      state: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    expect(outcome).toEqual({ kind: 'accepted' });
    const final = client.finalUpdate(7);
    const checksum = traceChecksum(Buffer.from('hello\nbye\n'));
    expect(checksum).toMatch(/^crc32:[0-9a-f]{8}$/);
    expect(final).toMatchObject({
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 3,
      checksum,
      output: { checksum, bytesize: 10 },
    });
  });

  it('resends from the server offset after a 416', async () => {
    const { client, clock, sink } = setup();
    sink.write('abcdef');
    await clock.advance(3000);
    // The server lost the tail of what it had (e.g. restored from an older copy).
    client.traces.set(7, Buffer.from('abc'));
    sink.write('ghi');
    await clock.advance(3000);
    expect(client.patches.slice(1)).toEqual([
      { jobId: 7, offset: 6, length: 3 },
      { jobId: 7, offset: 3, length: 6 },
    ]);
    expect(client.traceText(7)).toBe('abcdefghi');
  });

  it('keeps every byte through an outage and catches up with backoff', async () => {
    const { client, clock, sink } = setup();
    sink.write('before\n');
    await clock.advance(3000);
    client.down = true;
    for (let i = 0; i < 20; i++) {
      sink.write(`during ${i}\n`);
      await clock.advance(3000);
    }
    client.down = false;
    await clock.advance(60_000);
    let expected = 'before\n';
    for (let i = 0; i < 20; i++) expected += `during ${i}\n`;
    expect(client.traceText(7)).toBe(expected);
    await sink.close();
    expect(await sink.finish({ state: 'success' })).toEqual({ kind: 'accepted' });
  });

  it('backs off while the coordinator is down instead of trying every interval', async () => {
    const { client, clock, sink } = setup();
    let attempts = 0;
    const patch = client.patchTrace.bind(client);
    client.patchTrace = (...args) => {
      attempts++;
      return patch(...args);
    };
    client.down = true;
    sink.write('x');
    await clock.advance(120_000);
    // 3 s, then 3, 6, 12, 24, 48 s between tries: 6 tries in two minutes instead of 40.
    expect(attempts).toBeLessThanOrEqual(7);
    expect(attempts).toBeGreaterThanOrEqual(4);
  });

  it('retries the final update up to the limit while the coordinator is unreachable', async () => {
    const { client, clock, sink } = setup({ finalUpdateRetryLimit: 2 });
    sink.write('x');
    client.down = true;
    const finished = sink.finish({ state: 'success' });
    await clock.advance(10 * 60_000);
    expect(await finished).toEqual({ kind: 'gave-up' });
  });

  it('waits and repeats the final update on 202, and resends everything on 412', async () => {
    const { client, clock, sink } = setup();
    sink.write('complete trace\n');
    await clock.advance(3000);
    client.pendingFinals = 1;
    client.traces.set(7, Buffer.from('corrupted trace\n'));
    const finished = sink.finish({ state: 'success' });
    await clock.advance(10_000);
    expect(await finished).toEqual({ kind: 'accepted' });
    expect(client.traceText(7)).toBe('complete trace\n');
    expect(client.patches.at(-1)).toEqual({ jobId: 7, offset: 0, length: 15 });
  });

  it('reports Job-Status canceling as a graceful cancel, once', async () => {
    const { client, clock, sink, commands } = setup();
    client.statuses.set(7, 'canceling');
    sink.write('a');
    await clock.advance(3000);
    sink.write('b');
    await clock.advance(3000);
    expect(commands).toEqual([{ kind: 'cancel' }]);
  });

  it('reports canceled and 403 as a hard abort and stops sending', async () => {
    const canceled = setup();
    canceled.client.statuses.set(7, 'canceled');
    canceled.sink.write('a');
    await canceled.clock.advance(3000);
    expect(canceled.commands).toEqual([
      { kind: 'abort', reason: 'the job is canceled on the coordinator' },
    ]);

    const refused = setup();
    refused.client.refused.add(7);
    refused.sink.write('a');
    await refused.clock.advance(3000);
    refused.sink.write('b');
    await refused.clock.advance(3000);
    expect(refused.client.patches).toHaveLength(1);
    expect(refused.commands[0]?.kind).toBe('abort');
    expect(await refused.sink.finish({ state: 'success' })).toEqual({ kind: 'aborted' });
  });

  it('sends a keep-alive update when there is nothing to send for a while', async () => {
    const { client, clock, commands } = setup();
    client.statuses.set(7, 'canceling');
    await clock.advance(33_000);
    expect(client.updates.map((u) => u.update.state)).toEqual(['running']);
    expect(commands).toEqual([{ kind: 'cancel' }]);
  });
});
