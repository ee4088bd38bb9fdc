/**
 * Human durations as GitLab reads them (ChronicDuration): "1h 30m", "90 minutes", "1 hour and
 * 5 min", "3600" (seconds). Months are 30 days and years 365, as ChronicDuration counts them.
 */
const UNITS: readonly [RegExp, number][] = [
  [/^(s|secs?|seconds?)$/, 1],
  [/^(m|mins?|minutes?)$/, 60],
  [/^(h|hrs?|hours?)$/, 3600],
  [/^(d|days?)$/, 86_400],
  [/^(w|wks?|weeks?)$/, 604_800],
  [/^(mos?|months?)$/, 2_592_000],
  [/^(y|yrs?|years?)$/, 31_536_000],
];

export function parseDuration(text: string): number | undefined {
  const cleaned = text
    .toLowerCase()
    .replace(/\band\b|,/g, ' ')
    .trim();
  if (cleaned === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(cleaned)) return Math.round(Number(cleaned));
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(cleaned);
  if (clock !== null) {
    const [a, b, c] = [
      Number(clock[1]),
      Number(clock[2]),
      clock[3] === undefined ? undefined : Number(clock[3]),
    ];
    return c === undefined ? a * 60 + b : a * 3600 + b * 60 + c;
  }
  const parts = cleaned.match(/\d+(?:\.\d+)?\s*[a-z]+/g);
  if (parts === null || parts.join('').replace(/\s/g, '') !== cleaned.replace(/\s/g, ''))
    return undefined;
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(part);
    const unit =
      match === null ? undefined : UNITS.find(([pattern]) => pattern.test(match[2] ?? ''));
    if (match === null || unit === undefined) return undefined;
    total += Number(match[1]) * unit[1];
  }
  return Math.round(total);
}
