import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dataPacket, FLUSH } from './pkt-line.js';
import { PushReportStream, type PushReport, type Sideband } from './push-report.js';

async function run(band: Sideband, chunks: readonly Buffer[]) {
  let seen: PushReport | undefined;
  const stream = new PushReportStream(
    () => band,
    (report) => {
      seen = report;
      return Promise.resolve(['dockhand: hello']);
    },
  );
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(stream)) out.push(chunk as Buffer);
  return { text: Buffer.concat(out).toString('latin1'), report: seen };
}

const sideband = (channel: number, payload: Buffer | string) =>
  dataPacket(Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]));

describe('PushReportStream', () => {
  it('reads report-status inside side-band 1 and adds messages before the final flush', async () => {
    const report = Buffer.concat([
      dataPacket('unpack ok\n'),
      dataPacket('ok refs/heads/main\n'),
      dataPacket('ng refs/heads/x rejected\n'),
      FLUSH,
    ]);
    // Split mid-packet, as pipes do.
    const whole = Buffer.concat([sideband(2, 'progress\n'), sideband(1, report), FLUSH]);
    const { text, report: seen } = await run('side-band-64k', [
      whole.subarray(0, 7),
      whole.subarray(7),
    ]);
    expect(seen).toEqual({ seen: true, unpackOk: true, ok: new Set(['refs/heads/main']) });
    const message = sideband(2, 'dockhand: hello\n').toString('latin1');
    expect(text).toBe(whole.subarray(0, whole.length - 4).toString('latin1') + message + '0000');
  });

  it('passes a report without side-band through unchanged, with no place for messages', async () => {
    const whole = Buffer.concat([
      dataPacket('unpack ok\n'),
      dataPacket('ok refs/tags/v1\n'),
      FLUSH,
    ]);
    const { text, report } = await run('none', [whole]);
    expect(text).toBe(whole.toString('latin1'));
    expect(report?.ok).toEqual(new Set(['refs/tags/v1']));
  });

  it('fails the stream on output that is not pkt-lines', async () => {
    await expect(run('none', [Buffer.from('zzzz')])).rejects.toThrow(/malformed pkt-line/);
  });
});
