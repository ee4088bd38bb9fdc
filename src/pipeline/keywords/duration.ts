import { parseChronicDuration } from '../../core/chronic-duration.js';

/**
 * Human durations as GitLab reads them (ChronicDuration, src/core/chronic-duration.ts): "1h 30m",
 * "90 minutes", "1 hour and 5 min", "3600" (seconds). Whole seconds, as GitLab stores them.
 */
export function parseDuration(text: string): number | undefined {
  const seconds = parseChronicDuration(text);
  return seconds === undefined ? undefined : Math.round(seconds);
}
