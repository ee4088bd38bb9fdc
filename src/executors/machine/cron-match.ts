/**
 * Evaluates `[[runners.machine.autoscaling]] Periods` (gorhill/cronexpr syntax as GitLab Runner
 * reads it: "second minute hour day-of-month month day-of-week year"; 6 fields get second 0
 * prepended, 5 fields also a "*" year). src/config/cron.ts validates these expressions; this
 * answers "does this instant match?" in a time zone. Pure: the time comes in as a value.
 * GitLab's quirk of leaving out the last second of a period (issue #2170) is not reproduced.
 */

export interface CronFields {
  readonly second: number;
  readonly minute: number;
  readonly hour: number;
  readonly day: number;
  readonly month: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  readonly year: number;
  /** Days in this month, for `L`. */
  readonly daysInMonth: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MACROS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 * *',
  '@annually': '0 0 0 1 1 * *',
  '@monthly': '0 0 0 1 * * *',
  '@weekly': '0 0 0 * * 0 *',
  '@daily': '0 0 0 * * * *',
  '@hourly': '0 0 * * * * *',
};

const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
  [1970, 2099],
];

function number(text: string, field: number): number {
  const lower = text.toLowerCase();
  if (field === 4) {
    const i = MONTHS.indexOf(lower.slice(0, 3));
    if (i >= 0 && /^[a-z]+$/.test(lower)) return i + 1;
  }
  if (field === 5) {
    const i = WEEKDAYS.indexOf(lower.slice(0, 3));
    if (i >= 0 && /^[a-z]+$/.test(lower)) return i;
  }
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`"${text}" is not a valid value`);
  return n;
}

/** `?`, `*`, `L`, `5L`, `5#3`: undefined when `item` is none of them. */
function specialMatches(
  item: string,
  field: number,
  value: number,
  at: CronFields,
): boolean | undefined {
  if (item === '?' || item === '*') return true;
  if (field === 3 && item === 'L') return value === at.daysInMonth;
  if (field !== 5) return undefined;
  const last = /^(\w+)L$/.exec(item);
  if (last?.[1] !== undefined)
    return number(last[1], 5) % 7 === value && at.day + 7 > at.daysInMonth;
  const nth = /^(\w+)#([1-5])$/.exec(item);
  if (nth?.[1] !== undefined) {
    return number(nth[1], 5) % 7 === value && Math.ceil(at.day / 7) === Number(nth[2]);
  }
  return undefined;
}

/** Whether one comma-list item of field `field` matches `value` (with calendar context). */
function itemMatches(item: string, field: number, value: number, at: CronFields): boolean {
  const special = specialMatches(item, field, value, at);
  if (special !== undefined) return special;
  const [base = '*', stepText] = item.split('/');
  const step = stepText === undefined ? 1 : Number(stepText);
  const range = RANGES[field] ?? [0, 0];
  let from: number;
  let to: number;
  if (base === '*') [from, to] = range;
  else {
    const [a = '', b] = base.split('-');
    from = number(a, field);
    to = b === undefined ? (stepText === undefined ? from : range[1]) : number(b, field);
  }
  const matches = (v: number) => v >= from && v <= to && (v - from) % step === 0;
  // Day-of-week 7 is Sunday as well as 0.
  return matches(value) || (field === 5 && value === 0 && matches(7));
}

function fieldMatches(text: string, field: number, value: number, at: CronFields): boolean {
  return text.split(',').some((item) => itemMatches(item, field, value, at));
}

/** The expression as 7 fields (macros expanded, 5 and 6 field forms completed). */
function sevenFields(expression: string): string[] {
  const text = expression.trim();
  const parts = (MACROS[text.toLowerCase()] ?? text).split(/\s+/);
  if (parts.length === 7) return parts;
  if (parts.length === 6) return ['0', ...parts];
  if (parts.length === 5) return ['0', ...parts, '*'];
  throw new Error(`"${expression}" has ${parts.length} fields; expected 7`);
}

/** True when `at` lies in the period `expression`. Throws on a malformed expression. */
export function cronMatches(expression: string, at: CronFields): boolean {
  const fields = sevenFields(expression);
  const values = [at.second, at.minute, at.hour, at.day, at.month, at.weekday, at.year];
  const dom = fields[3] ?? '*';
  const dow = fields[5] ?? '*';
  for (const [i, part] of fields.entries()) {
    if (i === 3 || i === 5) continue;
    if (!fieldMatches(part, i, values[i] ?? 0, at)) return false;
  }
  // cronexpr: when one of day-of-month / day-of-week is "*" or "?", only the other restricts.
  const domAny = dom === '*' || dom === '?';
  const dowAny = dow === '*' || dow === '?';
  const domOk = fieldMatches(dom, 3, at.day, at);
  const dowOk = fieldMatches(dow, 5, at.weekday, at);
  if (domAny && dowAny) return true;
  if (domAny) return dowOk;
  if (dowAny) return domOk;
  return domOk || dowOk;
}

/**
 * The calendar fields of `epochMs` in an IANA time zone (host local when undefined), through
 * Intl, which is pure computation.
 */
export function cronFieldsAt(epochMs: number, timeZone: string | undefined): CronFields {
  const format = new Intl.DateTimeFormat('en-US', {
    ...(timeZone === undefined || timeZone === '' ? {} : { timeZone }),
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  });
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const year = Number(parts['year']);
  const month = Number(parts['month']);
  return {
    second: Number(parts['second']),
    minute: Number(parts['minute']),
    hour: Number(parts['hour']),
    day: Number(parts['day']),
    month,
    weekday: WEEKDAYS.indexOf((parts['weekday'] ?? '').toLowerCase().slice(0, 3)),
    year,
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}
