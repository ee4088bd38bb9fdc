import { describe, expect, it } from 'vitest';
import {
  crc32,
  formatContentRange,
  parseContentRange,
  parseTraceRange,
  formatTraceRange,
  traceChecksum,
} from './trace.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('crc32', () => {
  it.each([
    ['', '00000000'],
    ['a', 'e8b7be43'],
    ['123456789', 'cbf43926'],
    ['The quick brown fox jumps over the lazy dog', '414fa339'],
  ])('crc32(%j) = %s', (input, hex) => {
    expect(crc32(bytes(input)).toString(16).padStart(8, '0')).toBe(hex);
  });

  it('continues over chunks', () => {
    const whole = bytes('The quick brown fox jumps over the lazy dog');
    expect(crc32(whole.subarray(10), crc32(whole.subarray(0, 10)))).toBe(crc32(whole));
  });

  it('formats the checksum as crc32:<8 lowercase hex>, zero-padded', () => {
    expect(traceChecksum(bytes('123456789'))).toBe('crc32:cbf43926');
    expect(traceChecksum(new Uint8Array())).toBe('crc32:00000000');
  });

  it('works on bytes, not characters', () => {
    expect(traceChecksum(bytes('é'))).toBe(traceChecksum(new Uint8Array([0xc3, 0xa9])));
  });
});

describe('Content-Range', () => {
  it('is inclusive and has no unit', () => {
    expect(formatContentRange(0, 10)).toBe('0-9');
    expect(formatContentRange(10, 1)).toBe('10-10');
  });

  it('parses its own form', () => {
    expect(parseContentRange('5-9')).toEqual({ start: 5, end: 9 });
    expect(parseContentRange(' 0-0 ')).toEqual({ start: 0, end: 0 });
  });

  it.each([undefined, null, '', 'bytes 0-9', '9-5', '-1-3', 'a-b', '0-'])('rejects %j', (text) => {
    expect(parseContentRange(text)).toBeUndefined();
  });

  it('reads the server size from Range: 0-<size>', () => {
    expect(parseTraceRange(formatTraceRange(123))).toBe(123);
    expect(parseTraceRange('0-0')).toBe(0);
    expect(parseTraceRange('1-5')).toBeUndefined();
    expect(parseTraceRange(null)).toBeUndefined();
  });
});
