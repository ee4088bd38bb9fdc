/**
 * Validates autoscaling `Periods` cron expressions as gorhill/cronexpr (used by GitLab Runner)
 * reads them, without evaluating them: 7 fields "second minute hour day-of-month month
 * day-of-week year"; 6 fields get a 0 second prepended; 5 fields also get a "*" year appended.
 */

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Index of names[0]: months start at 1, weekdays at 0. */
  readonly namesFrom?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // cronexpr accepts 7 for Sunday, like 0.
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 },
  { name: 'year', min: 1970, max: 2099 },
];

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);

export const CRON_FORMAT =
  '7 fields "second minute hour day-of-month month day-of-week year" (or 5 or 6), e.g. "* * 9-17 * * mon-fri *"';

function valueOf(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < field.min || n > field.max ? `${text} is out of range ${field.min}-${field.max}` : n;
  }
  const lower = text.toLowerCase();
  const from = field.namesFrom ?? 0;
  const long = field.names === MONTHS ? MONTH_NAMES : field.names === WEEKDAYS ? WEEKDAY_NAMES : [];
  const short = field.names?.indexOf(lower) ?? -1;
  if (short >= 0) return short + from;
  const full = long.indexOf(lower);
  if (full >= 0) return full + from;
  return `"${text}" is not a ${field.name} value`;
}

/** `L`, `LW`, `15W` (day-of-month), `5L`, `5#3` (day-of-week), `?` (either). */
function specialItem(item: string, field: Field): string | true | undefined {
  if (field.name === 'day-of-month') {
    if (item === '?' || item === 'L' || item === 'LW') return true;
    const w = /^(\d+)W$/.exec(item);
    if (w !== null) return typeof valueOf(w[1] ?? '', field) === 'number' ? true : undefined;
  }
  if (field.name === 'day-of-week') {
    if (item === '?' || item === 'L') return true;
    const last = /^(\w+)L$/.exec(item);
    if (last !== null) return checkSingle(last[1] ?? '', field);
    const nth = /^(\w+)#([1-5])$/.exec(item);
    if (nth !== null) return checkSingle(nth[1] ?? '', field);
  }
  return undefined;
}

function checkSingle(text: string, field: Field): string | true {
  const value = valueOf(text, field);
  return typeof value === 'number' ? true : value;
}

function checkRange(base: string, field: Field): string | true {
  if (base === '*') return true;
  const dash = base.split('-');
  if (dash.length > 2) return `"${base}" is not a range`;
  const [from = '', to] = dash;
  const low = valueOf(from, field);
  if (typeof low === 'string') return low;
  if (to === undefined) return true;
  const high = valueOf(to, field);
  if (typeof high === 'string') return high;
  return low <= high ? true : `range ${base} goes backwards`;
}

function checkItem(item: string, field: Field): string | true {
  const special = specialItem(item, field);
  if (special !== undefined) return special;
  const slash = item.split('/');
  if (slash.length > 2) return `"${item}" has more than one "/"`;
  const [base = '', step] = slash;
  if (step !== undefined && !/^[1-9]\d*$/.test(step))
    return `step "${step}" must be a positive number`;
  return checkRange(base, field);
}

function checkField(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    if (item === '') return `${field.name}: empty list item`;
    const result = checkItem(item, field);
    if (result !== true) return `${field.name}: ${result}`;
  }
  return undefined;
}

/** Undefined when valid; otherwise why not. */
export function checkCronExpression(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return MACROS.has(text.toLowerCase()) ? undefined : `unknown macro "${text}"`;
  }
  const parts = text === '' ? [] : text.split(/\s+/);
  let fields: string[];
  if (parts.length === 7) fields = parts;
  else if (parts.length === 6) fields = ['0', ...parts];
  else if (parts.length === 5) fields = ['0', ...parts, '*'];
  else return `it has ${parts.length} fields; expected 7 (or 5 or 6)`;
  for (const [i, part] of fields.entries()) {
    const field = FIELDS[i];
    if (field === undefined) break;
    const problem = checkField(part, field);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
