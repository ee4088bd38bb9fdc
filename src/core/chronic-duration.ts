/**
 * Human durations as GitLab reads them for `timeout` and `artifacts:expire_in` (its
 * ChronicDuration, with exceptions raised for unknown words):
 *
 * - case does not matter; numbers and words may touch ("2h20min") or not ("2 hrs 20 min");
 * - a number is multiplied by the unit word after it; a number with no unit after it counts as
 *   seconds ("42", "1 hour 30"), one followed by another number counts for nothing ("1 2" = 2);
 * - a unit with no number first counts once ("day" = 1 day);
 * - "and", "with" and "plus" are ignored, commas at word edges too; any other word is an error;
 * - clock notation reads from the right: "1:30" is 1 min 30 s, "1:02:03" 1 h 2 min 3 s, then
 *   days, months, years;
 * - a month is 30 days, a week 7 days, a year 365.25 days;
 * - a total of zero is no duration.
 *
 * Returns seconds (fractional when the text has fractions), or undefined when GitLab would reject
 * the text.
 */

const UNIT_SECONDS = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86_400,
  weeks: 604_800,
  months: 2_592_000,
  years: 31_557_600,
} as const;

type Unit = keyof typeof UNIT_SECONDS;

const WORDS: ReadonlyMap<string, Unit> = new Map<string, Unit>([
  ...(['seconds', 'second', 'secs', 'sec', 's'] as const).map((w) => [w, 'seconds'] as const),
  ...(['minutes', 'minute', 'mins', 'min', 'm'] as const).map((w) => [w, 'minutes'] as const),
  ...(['hours', 'hour', 'hrs', 'hr', 'h'] as const).map((w) => [w, 'hours'] as const),
  ...(['days', 'day', 'dy', 'd'] as const).map((w) => [w, 'days'] as const),
  ...(['weeks', 'week', 'wks', 'wk', 'w'] as const).map((w) => [w, 'weeks'] as const),
  ...(['months', 'month', 'mos', 'mo'] as const).map((w) => [w, 'months'] as const),
  ...(['years', 'year', 'yrs', 'yr', 'y'] as const).map((w) => [w, 'years'] as const),
]);

const IGNORED: ReadonlySet<string> = new Set(['and', 'with', 'plus']);
const CLOCK = /^\d+:\d+(?::\d+){0,4}(?:\.\d*)?$/;
const CLOCK_UNITS: readonly Unit[] = ['seconds', 'minutes', 'hours', 'days', 'months', 'years'];
const NUMBER = /^\d*\.?\d+$/;

/** "1:02:03" → "1 hours 2 minutes 3 seconds"; other text unchanged. */
function expandClock(text: string): string | undefined {
  const compact = text.replace(/ /g, '');
  if (!CLOCK.test(compact)) return text;
  const parts = compact.split(':').reverse();
  if (parts.length > CLOCK_UNITS.length) return undefined;
  return parts
    .map((part, i) => `${part} ${CLOCK_UNITS[i] ?? 'seconds'}`)
    .reverse()
    .join(' ');
}

/** Numbers and unit words, in order; undefined when a word is neither (nor ignorable). */
function tokens(text: string): (number | Unit)[] | undefined {
  const out: (number | Unit)[] = [];
  const spaced = text.replace(/\d*\.?\d+/g, (n) => ` ${n} `);
  for (const raw of spaced.split(/\s+/)) {
    const word = raw.replace(/^,+|,+$/g, '');
    if (word === '' || IGNORED.has(word)) continue;
    if (NUMBER.test(word)) out.push(Number(word));
    else {
      const unit = WORDS.get(word);
      if (unit === undefined) return undefined;
      out.push(unit);
    }
  }
  return out;
}

export function parseChronicDuration(text: string): number | undefined {
  const expanded = expandClock(text.toLowerCase().trim());
  if (expanded === undefined) return undefined;
  const list = tokens(expanded);
  if (list === undefined || list.length === 0) return undefined;
  if (typeof list[0] === 'string') list.unshift(1);
  let total = 0;
  list.forEach((token, i) => {
    if (typeof token !== 'number') return;
    const next = list[i + 1];
    if (next === undefined) total += token;
    else if (typeof next === 'string') total += token * UNIT_SECONDS[next];
  });
  return total === 0 ? undefined : total;
}
