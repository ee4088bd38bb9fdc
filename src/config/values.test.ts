import { describe, expect, it } from 'vitest';
import { checkCronExpression } from './cron.js';
import { didYouMean } from './suggest.js';
import { parseDockerSize, parseGoDuration } from './value-kinds.js';
import { parseVolume } from './volumes.js';

describe('cron Periods (gorhill/cronexpr forms)', () => {
  it.each([
    '* * 9-17 * * mon-fri *',
    '* * 0-9,18-23 * * mon-fri *',
    '0 */15 * * * * *',
    '0 18 * * sat,sun',
    '*/30 * * * 1-5 2025',
    '0 0 12 L * ? *',
    '0 0 12 15W * ? *',
    '0 0 12 ? JAN-MAR 5L *',
    '0 0 12 ? * 5#3 *',
    '0 0 0 * * 7 *',
    '@daily',
    '0 0 * * * sunday-saturday 2099',
  ])('accepts %s', (expression) => {
    expect(checkCronExpression(expression)).toBeUndefined();
  });

  it.each([
    ['* * 25 * * * *', 'hour: 25 is out of range 0-23'],
    ['* * *', 'it has 3 fields; expected 7 (or 5 or 6)'],
    ['', 'it has 0 fields; expected 7 (or 5 or 6)'],
    ['* * 17-9 * * * *', 'hour: range 17-9 goes backwards'],
    ['* * * * foo * *', 'month: "foo" is not a month value'],
    ['* * * 0 * * *', 'day-of-month: 0 is out of range 1-31'],
    ['*/0 * * * * * *', 'second: step "0" must be a positive number'],
    ['* * * * * * 1969', 'year: 1969 is out of range 1970-2099'],
    ['@sometimes', 'unknown macro "@sometimes"'],
    ['* * 1,,2 * * * *', 'hour: empty list item'],
  ])('rejects %s', (expression, reason) => {
    expect(checkCronExpression(expression)).toBe(reason);
  });
});

describe('durations and sizes', () => {
  it.each([
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['15m0s', 900_000],
    ['1.5s', 1500],
    ['0', 0],
    ['-2s', -2000],
    ['300ms', 300],
  ])('Go duration %s', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each(['30', '1 hour', 'm', '1d', ''])('not a Go duration: %s', (text) =>
    expect(parseGoDuration(text)).toBeUndefined(),
  );

  it.each([
    ['512m', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['4096', 4096],
  ])('size %s', (text, bytes) => expect(parseDockerSize(text)).toBe(bytes));

  it('rejects sizes Docker rejects', () => expect(parseDockerSize('lots')).toBeUndefined());
});

describe('volumes', () => {
  it('reads cache and bind forms', () => {
    expect(parseVolume('/cache')).toMatchObject({
      ok: true,
      spec: { kind: 'cache', target: '/cache' },
    });
    expect(parseVolume('/a:/b:ro')).toMatchObject({
      ok: true,
      spec: { kind: 'bind', source: '/a', target: '/b', readOnly: true, mode: 'ro' },
    });
    expect(parseVolume('vol:/b:rw,z')).toMatchObject({
      ok: true,
      spec: { source: 'vol', readOnly: false },
    });
  });

  it.each([
    ['', 'the entry is empty'],
    ['cache', 'the container path "cache" must be absolute'],
    ['/a:/b:c:d', 'it has more than two ":"'],
    [':/b', 'the host path before ":" is empty'],
    ['/a:/', 'the container path cannot be "/"'],
    ['/a:/b:ro,rw', 'the mode has both ro and rw'],
  ])('rejects %j', (raw, reason) => expect(parseVolume(raw)).toEqual({ ok: false, reason }));
});

describe('did you mean', () => {
  it.each([
    ['dokcer', ['shell', 'docker', 'docker+machine'], 'docker'],
    ['tls_ca_file', ['tls-ca-file', 'tls-cert-file'], 'tls-ca-file'],
    ['imgae', ['image', 'privileged'], 'image'],
    ['zzzzzz', ['image', 'privileged'], undefined],
  ] as const)('%s', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });
});
