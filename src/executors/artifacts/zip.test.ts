import { describe, expect, it } from 'vitest';
import { readZip, writeZip, ZipFormatError, type ZipEntry } from './zip.js';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const mtime = new Date(2024, 4, 18, 10, 30, 20);

/**
 * Made by CPython's zipfile (deflate): directories, a file, an executable and a symlink, so the
 * reader is checked against another implementation than our writer.
 */
const PYTHON_ZIP =
  'UEsDBBQAAAAAAPyufF0AAAAAAAAAAAAAAAAEAAAAb3V0L1BLAwQUAAAAAAD8rnxdAAAAAAAAAAAAAAAACAAAAG91dC9zdWIvUEsDBBQAAAAIAPyufF2Yn2efFAAAABIAAAAJAAAAb3V0L2EudHh0y0jNyclXSCvKz1UoqCzJyM/jAgBQSwMEFAAAAAgA/K58XS862ukUAAAAEgAAAAoAAABvdXQvcnVuLnNoU1bUT8rM0y/O4EpNzshXyMjkAgBQSwMEFAAAAAAAAAAhALr368EFAAAABQAAAAgAAABvdXQvbGlua2EudHh0UEsBAhQDFAAAAAAA/K58XQAAAAAAAAAAAAAAAAQAAAAAAAAAAAAQAO1BAAAAAG91dC9QSwECFAMUAAAAAAD8rnxdAAAAAAAAAAAAAAAACAAAAAAAAAAAABAA7UEiAAAAb3V0L3N1Yi9QSwECFAMUAAAACAD8rnxdmJ9nnxQAAAASAAAACQAAAAAAAAAAAAAApIFIAAAAb3V0L2EudHh0UEsBAhQDFAAAAAgA/K58XS862ukUAAAAEgAAAAoAAAAAAAAAAAAAAO2BgwAAAG91dC9ydW4uc2hQSwECFAMUAAAAAAAAACEAuvfrwQUAAAAFAAAACAAAAAAAAAAAAAAA/6G/AAAAb3V0L2xpbmtQSwUGAAAAAAUABQANAQAA6gAAAAAA';

describe('zip', () => {
  it('round-trips directories, files (stored and deflated), modes and symlinks', () => {
    const big = text('x'.repeat(10_000));
    const entries: ZipEntry[] = [
      { path: 'out', kind: 'directory', mode: 0o755, mtime, data: new Uint8Array() },
      { path: 'out/a.txt', kind: 'file', mode: 0o644, mtime, data: text('A\n') },
      { path: 'out/big.txt', kind: 'file', mode: 0o600, mtime, data: big },
      { path: 'out/run.sh', kind: 'file', mode: 0o755, mtime, data: text('#!/bin/sh\n') },
      { path: 'out/empty', kind: 'file', mode: 0o644, mtime, data: new Uint8Array() },
      { path: 'out/link', kind: 'symlink', mode: 0o777, mtime, data: text('a.txt') },
      { path: 'out/ü ß.txt', kind: 'file', mode: 0o644, mtime, data: text('utf8 name') },
    ];
    const zip = writeZip(entries);
    // Deflate pays off for the repetitive file only.
    expect(zip.length).toBeLessThan(big.length);
    const back = readZip(zip);
    expect(back.map((e) => [e.path, e.kind, e.mode.toString(8)])).toEqual(
      entries.map((e) => [e.path, e.kind, e.mode.toString(8)]),
    );
    expect(back.map((e) => decode(e.data))).toEqual(entries.map((e) => decode(e.data)));
    expect(back[1]?.mtime).toEqual(mtime);
  });

  it('reads an archive written by another zip implementation', () => {
    const entries = readZip(Buffer.from(PYTHON_ZIP, 'base64'));
    expect(entries.map((e) => [e.path, e.kind])).toEqual([
      ['out', 'directory'],
      ['out/sub', 'directory'],
      ['out/a.txt', 'file'],
      ['out/run.sh', 'file'],
      ['out/link', 'symlink'],
    ]);
    expect(decode(entries[2]!.data)).toBe('hello from python\n');
    expect(entries[3]!.mode).toBe(0o755);
    expect(decode(entries[4]!.data)).toBe('a.txt');
  });

  it('an empty archive has no entries', () => {
    expect(readZip(writeZip([]))).toEqual([]);
  });

  it('refuses damaged archives with a reason', () => {
    const zip = writeZip([{ path: 'a', kind: 'file', mode: 0o644, mtime, data: text('content') }]);
    expect(() => readZip(zip.subarray(0, 10))).toThrow(ZipFormatError);
    expect(() => readZip(text('not a zip at all, really not'))).toThrow(
      /no end of central directory/,
    );
    const flipped = Buffer.from(zip);
    flipped[30 + 1 + 2] = (flipped[30 + 1 + 2] ?? 0) ^ 0xff; // a byte of the stored content
    expect(() => readZip(flipped)).toThrow(/fails its CRC check/);
  });
});
