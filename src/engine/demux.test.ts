import { describe, expect, it } from 'vitest';
import { StreamDemuxer } from './demux.js';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

describe('StreamDemuxer', () => {
  it('splits frames across arbitrary chunk boundaries', () => {
    const out: string[] = [];
    const err: string[] = [];
    const demuxer = new StreamDemuxer({
      stdout: (b) => out.push(b.toString()),
      stderr: (b) => err.push(b.toString()),
    });
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let i = 0; i < all.length; i += 3) demuxer.push(all.subarray(i, i + 3));
    demuxer.flush();
    expect(out.join('')).toBe('hello world');
    expect(err.join('')).toBe('oops');
  });
});
