import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { parseChronicDuration } from './chronic-duration.js';

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;

describe('GitLab durations (ChronicDuration)', () => {
  // The examples of GitLab's artifacts:expire_in and timeout documentation, and edge cases.
  test.each([
    ['42', 42],
    ['42 seconds', 42],
    ['3 mins 4 sec', 3 * MIN + 4],
    ['2 hrs 20 min', 2 * HOUR + 20 * MIN],
    ['2h20min', 2 * HOUR + 20 * MIN],
    ['6 mos 1 day', 6 * 30 * DAY + DAY],
    ['47 yrs 6 mos and 4d', 47 * 31_557_600 + 6 * 30 * DAY + 4 * DAY],
    ['3 weeks and 2 days', 21 * DAY + 2 * DAY],
    ['1 week', 7 * DAY],
    ['1 hour and 5 min', HOUR + 5 * MIN],
    ['3h 30m', 3 * HOUR + 30 * MIN],
    ['1.5 hours', 1.5 * HOUR],
    ['Day', DAY],
    ['1 hour 30', HOUR + 30],
    ['1:30', 90],
    ['1:02:03', HOUR + 2 * MIN + 3],
    ['2:00:00:00', 2 * DAY],
    ['1 day, 2 hours', DAY + 2 * HOUR],
  ])('%s → %s s', (text, seconds) => {
    expect(parseChronicDuration(text)).toBe(seconds);
  });

  test.each(['', 'soon', '0', '0 seconds', '1 fortnight', 'never', '1:2:3:4:5:6:7'])(
    '%s is not a duration',
    (text) => {
      expect(parseChronicDuration(text)).toBeUndefined();
    },
  );

  const units: readonly [string, number][] = [
    ['s', 1],
    ['sec', 1],
    ['minutes', MIN],
    ['min', MIN],
    ['h', HOUR],
    ['hrs', HOUR],
    ['d', DAY],
    ['days', DAY],
    ['wk', 7 * DAY],
    ['mo', 30 * DAY],
    ['yr', 31_557_600],
  ];
  const part = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom(...units));

  it('sums its parts, whatever the spacing, case and joining words', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(' ', '', ' and ', ', ', '  '),
        fc.boolean(),
        (parts, joiner, upper) => {
          const text = parts.map(([n, [unit]]) => `${n} ${unit}`).join(joiner);
          const expected = parts.reduce((sum, [n, [, seconds]]) => sum + n * seconds, 0);
          const cased = upper ? text.toUpperCase() : text;
          // Joining without a space glues a unit to the next number ("3 h4 min"): still fine.
          expect(parseChronicDuration(cased)).toBe(expected);
        },
      ),
    );
  });

  it('reads a bare whole number as seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (n) => {
        expect(parseChronicDuration(String(n))).toBe(n);
      }),
    );
  });

  it('never throws, and gives a positive number or nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const seconds = parseChronicDuration(text);
        expect(seconds === undefined || seconds > 0).toBe(true);
      }),
    );
  });
});
